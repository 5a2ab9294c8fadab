from datetime import date

from django.urls import path, register_converter

from transmissions import views


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
]
