from django.urls import path

from erp_keys import views

# The wizard answers for the user's own organisme (/parametres/) and, for administrators, for any
# organisme (/organismes/<uuid>/parametres/); both sets share the views.
_ACTIONS = [
    ("sans-erp/", views.parametres_sans_erp, "sans_erp"),
    ("autre-erp/", views.parametres_autre_erp, "autre_erp"),
    ("cle/", views.parametres_cle, "cle"),
    ("confirmer/", views.parametres_confirmer, "confirmer"),
    ("reinitialiser/", views.parametres_reinitialiser, "reinitialiser"),
]

urlpatterns = [
    path("parametres/", views.parametres, name="parametres"),
    *[path(f"parametres/{suffix}", view, name=f"parametres_{name}") for suffix, view, name in _ACTIONS],
    path("organismes/<uuid:public_id>/parametres/", views.parametres, name="organisme_parametres"),
    *[
        path(f"organismes/<uuid:public_id>/parametres/{suffix}", view, name=f"organisme_parametres_{name}")
        for suffix, view, name in _ACTIONS
    ],
    path("organismes/<uuid:public_id>/cle-echange/", views.organisme_cle_echange, name="organisme_cle_echange"),
    path("connexion-api", views.connexion_api, name="connexion_api"),
]
