from django.apps import AppConfig


class ErpKeysConfig(AppConfig):
    name = "erp_keys"
    verbose_name = "ERP et clés d'échange"
