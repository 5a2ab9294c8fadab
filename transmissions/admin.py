from django.contrib import admin

from transmissions.models import ImportFichier, Lot, QueueItem


class ReadOnlyAdmin(admin.ModelAdmin):
    """What was received is evidence: the admin shows it, never edits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "source", "source_organisme", "total", "invalid")
    list_filter = ("source",)
    search_fields = ("source_organisme__siret", "source_organisme__uai")
    raw_id_fields = ("source_organisme", "exchange_key", "user")


@admin.register(QueueItem)
class QueueItemAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "source", "source_organisme", "created_at", "processed_at", "has_error")
    list_filter = ("source", "has_error")
    search_fields = ("public_id", "source_organisme__siret")
    raw_id_fields = ("lot", "source_organisme", "effectif", "organisme")


@admin.register(ImportFichier)
class ImportFichierAdmin(ReadOnlyAdmin):
    list_display = ("nom_fichier", "organisme", "user", "etat", "created_at")
    list_filter = ("etat",)
    raw_id_fields = ("organisme", "user")
    exclude = ("lignes", "resultats", "contenu")
