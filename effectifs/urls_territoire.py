"""Routes of the territoire pages (effectifs app): transverse views, Mes organismes, national indicators."""

from django.urls import path

from effectifs import views

urlpatterns = [
    path("organismes/", views.mes_organismes, name="mes_organismes"),
    path("organismes/export/", views.mes_organismes_export, name="mes_organismes_export"),
    path(
        "organismes/export/<str:type_>/",
        views.mes_organismes_probleme_export,
        name="mes_organismes_probleme_export",
    ),
    # Administrators: the organismes not yet fiable (§1.5, the reference's /organismes/a-completer).
    path(
        "organismes/a-completer/",
        views.mes_organismes,
        {"a_fiabiliser": True},
        name="organismes_a_fiabiliser",
    ),
    path(
        "organismes/a-completer/export/",
        views.mes_organismes_export,
        {"a_fiabiliser": True},
        name="organismes_a_fiabiliser_export",
    ),
    path(
        "organismes/a-completer/export/<str:type_>/",
        views.mes_organismes_probleme_export,
        {"a_fiabiliser": True},
        name="organismes_a_fiabiliser_probleme_export",
    ),
    # "Ses organismes": the formateurs of another organisme (§1.1, §1.7).
    path("organismes/<uuid:public_id>/organismes/", views.mes_organismes, name="organisme_organismes"),
    path(
        "organismes/<uuid:public_id>/organismes/export/",
        views.mes_organismes_export,
        name="organisme_organismes_export",
    ),
    path(
        "organismes/<uuid:public_id>/organismes/export/<str:type_>/",
        views.mes_organismes_probleme_export,
        name="organisme_organismes_probleme_export",
    ),
    path("indicateurs/listes/<str:type_>/", views.liste_nominative, name="liste_nominative"),
    path("national/indicateurs/", views.indicateurs_nationaux, name="indicateurs_nationaux"),
    path("api/v1/indicateurs/national", views.api_indicateurs_national, name="api_indicateurs_national"),
]
