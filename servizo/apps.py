from django.apps import AppConfig
from django.urls import register_converter


class ServizoConfig(AppConfig):
    name = "servizo"
    verbose_name = "Servizo"

    def ready(self):
        from servizo import lookups
        from servizo.converters import IdConverter

        register_converter(IdConverter, "id")
        lookups.register()
