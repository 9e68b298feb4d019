from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "remission.api"
    label = "api"
    verbose_name = "Remission API"
    default_auto_field = "django.db.models.BigAutoField"
