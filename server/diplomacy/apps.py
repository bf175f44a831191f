from django.apps import AppConfig


class DiplomacyConfig(AppConfig):
    name = "server.diplomacy"
    label = "diplomacy"
    verbose_name = "Diplomacy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
