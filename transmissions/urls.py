from datetime import date

from django.urls import path, register_converter

from transmissions import views, views_import


class IsoDateConverter:
    """A day as YYYY-MM-DD; an impossible date (2026-02-30) does not match, hence 404."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(IsoDateConverter, "jour")

urlpatterns = [
    # Mon compte > Transmissions, for the user's own organisme (pages-import-sifa.md §4).
    path("transmissions/", views.transmissions, name="transmissions"),
    path("transmissions/<jour:day>/", views.transmissions_jour, name="transmissions_jour"),
    path("transmissions/<jour:day>/rapport.xlsx", views.transmissions_jour_xlsx, name="transmissions_jour_xlsx"),
    # "Ses transmissions": any organisme on which the user may configure the transmission mode.
    path("organismes/<uuid:public_id>/transmissions/", views.transmissions, name="organisme_transmissions"),
    path(
        "organismes/<uuid:public_id>/transmissions/<jour:day>/",
        views.transmissions_jour,
        name="organisme_transmissions_jour",
    ),
    path(
        "organismes/<uuid:public_id>/transmissions/<jour:day>/rapport.xlsx",
        views.transmissions_jour_xlsx,
        name="organisme_transmissions_jour_xlsx",
    ),
    # "Import des effectifs" (pages-import-sifa.md §2): own organisme, or any organisme the user manages.
    path("effectifs/televersement/", views_import.televersement, name="televersement"),
    path("effectifs/televersement/modele.xlsx", views_import.televersement_modele, name="televersement_modele"),
    path(
        "effectifs/televersement/<uuid:import_id>/",
        views_import.televersement_fichier,
        name="televersement_fichier",
    ),
    path(
        "effectifs/televersement/<uuid:import_id>/etat/",
        views_import.televersement_etat,
        name="televersement_etat",
    ),
    path(
        "effectifs/televersement/<uuid:import_id>/importer/",
        views_import.televersement_importer,
        name="televersement_importer",
    ),
    path(
        "organismes/<uuid:public_id>/effectifs/televersement/",
        views_import.televersement,
        name="organisme_televersement",
    ),
    path(
        "organismes/<uuid:public_id>/effectifs/televersement/<uuid:import_id>/",
        views_import.televersement_fichier,
        name="organisme_televersement_fichier",
    ),
    path(
        "organismes/<uuid:public_id>/effectifs/televersement/<uuid:import_id>/etat/",
        views_import.televersement_etat,
        name="organisme_televersement_etat",
    ),
    path(
        "organismes/<uuid:public_id>/effectifs/televersement/<uuid:import_id>/importer/",
        views_import.televersement_importer,
        name="organisme_televersement_importer",
    ),
]
