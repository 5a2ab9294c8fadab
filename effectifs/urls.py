from django.urls import include, path

from effectifs import views

urlpatterns = [
    path("tableau-de-bord/", views.tableau_de_bord, name="tableau_de_bord"),
    path("effectifs/", views.mes_effectifs, name="mes_effectifs"),
    path("effectifs/export/", views.mes_effectifs_export, name="mes_effectifs_export"),
    path("effectifs/apprenant/<uuid:public_id>/", views.effectif_detail, name="effectif_detail"),
    path("indicateurs/", views.mes_indicateurs, name="mes_indicateurs"),
    path("indicateurs/export/", views.mes_indicateurs_export, name="mes_indicateurs_export"),
    # Another organisme ("Son tableau de bord", "Ses indicateurs", "Ses effectifs"); /organismes/<uuid>/ is
    # the public card page of the organismes app.
    path(
        "organismes/<uuid:public_id>/tableau-de-bord/",
        views.organisme_tableau_de_bord,
        name="organisme_tableau_de_bord",
    ),
    path("organismes/<uuid:public_id>/indicateurs/", views.mes_indicateurs, name="organisme_indicateurs"),
    path(
        "organismes/<uuid:public_id>/indicateurs/export/",
        views.mes_indicateurs_export,
        name="organisme_indicateurs_export",
    ),
    path("organismes/<uuid:public_id>/effectifs/", views.mes_effectifs, name="organisme_effectifs"),
    path(
        "organismes/<uuid:public_id>/effectifs/export/",
        views.mes_effectifs_export,
        name="organisme_effectifs_export",
    ),
    path("", include("effectifs.urls_sifa")),
    path("", include("effectifs.urls_territoire")),
]
