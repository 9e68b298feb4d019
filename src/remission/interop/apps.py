from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "remission.interop"
    label = "interop"
    verbose_name = "Remission exchange (import and export)"
    default_auto_field = "django.db.models.BigAutoField"
