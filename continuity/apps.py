from django.apps import AppConfig


class ContinuityConfig(AppConfig):
    name = "continuity"
    verbose_name = "Practice and accounts"

    def ready(self) -> None:
        from continuity.celery import ensure_broker_folders

        ensure_broker_folders()
