from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from organismes.models import (
    Academie,
    Departement,
    Organisation,
    Organisme,
    OrganismeRelation,
    Region,
    Reseau,
    User,
)

admin.site.site_header = "Tableau de bord de l'apprentissage — administration"
admin.site.site_title = "TDBA administration"
admin.site.index_title = "Administration"


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "nom")
    search_fields = ("code", "nom")


@admin.register(Academie)
class AcademieAdmin(admin.ModelAdmin):
    list_display = ("code", "nom")
    search_fields = ("code", "nom")


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ("code", "nom", "region", "academie")
    list_filter = ("region",)
    search_fields = ("code", "nom")


@admin.register(Reseau)
class ReseauAdmin(admin.ModelAdmin):
    list_display = ("nom", "key", "responsable")
    list_filter = ("responsable",)
    search_fields = ("nom", "key")


class RelationFormateursInline(admin.TabularInline):
    model = OrganismeRelation
    fk_name = "responsable"
    raw_id_fields = ("formateur",)
    extra = 0
    verbose_name = "organisme formateur"
    verbose_name_plural = "organismes formateurs"


@admin.register(Organisme)
class OrganismeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "uai", "siret", "nature", "fiabilisation_statut", "ferme", "departement")
    list_filter = ("nature", "fiabilisation_statut", "ferme", "region", "reseaux")
    search_fields = ("uai", "siret", "raison_sociale", "enseigne", "commune")
    raw_id_fields = ("organisme_transmetteur",)
    readonly_fields = ("public_id", "created_at", "updated_at")
    filter_horizontal = ("reseaux",)
    inlines = [RelationFormateursInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "type", "created_at")
    list_filter = ("type",)
    raw_id_fields = ("organisme",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "prenom", "nom", "organisation", "account_status", "is_staff")
    list_filter = ("account_status", "is_staff", "organisation__type")
    search_fields = ("email", "nom", "prenom")
    raw_id_fields = ("organisation",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("civilite", "prenom", "nom", "fonction", "telephone")}),
        ("Organisation", {"fields": ("organisation", "organisation_role", "account_status", "confirmed_at")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
