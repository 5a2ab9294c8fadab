from django.apps import AppConfig


class EffectifsConfig(AppConfig):
    name = "effectifs"
    verbose_name = "Effectifs"
