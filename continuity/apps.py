from django.apps import AppConfig


class ContinuityConfig(AppConfig):
    name = "continuity"
    verbose_name = "Practice and accounts"

    def ready(self) -> None:
        from django.conf import settings

        from continuity.celery import ensure_broker_folders

        settings.VAR_DIR.mkdir(exist_ok=True)
        ensure_broker_folders()
