from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "relata.api"
    verbose_name = "API"
