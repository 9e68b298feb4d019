from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "remission.registry"
    label = "registry"
    verbose_name = "Remission registry"
    default_auto_field = "django.db.models.BigAutoField"
