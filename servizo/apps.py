from django.apps import AppConfig


class ServizoConfig(AppConfig):
    name = "servizo"
    verbose_name = "Servizo"
