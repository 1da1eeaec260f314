from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self) -> None:
        from anymail.signals import tracking

        from notes.webhooks import anymail_tracking

        tracking.connect(anymail_tracking, dispatch_uid="notes.anymail_tracking")
