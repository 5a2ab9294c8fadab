"""Routes of "Mon enquête SIFA" (own organisme) and "Son enquête SIFA" (another organisme)."""

from django.urls import path

from effectifs import views

urlpatterns = [
    path("enquete-sifa/", views.enquete_sifa, name="enquete_sifa"),
    path("enquete-sifa/fichier.<str:ext>", views.enquete_sifa_fichier, name="enquete_sifa_fichier"),
    path("enquete-sifa/type-cfa/", views.enquete_sifa_type_cfa, name="enquete_sifa_type_cfa"),
    path("organismes/<uuid:public_id>/enquete-sifa/", views.enquete_sifa, name="organisme_enquete_sifa"),
    path(
        "organismes/<uuid:public_id>/enquete-sifa/fichier.<str:ext>",
        views.enquete_sifa_fichier,
        name="organisme_enquete_sifa_fichier",
    ),
    path(
        "organismes/<uuid:public_id>/enquete-sifa/type-cfa/",
        views.enquete_sifa_type_cfa,
        name="organisme_enquete_sifa_type_cfa",
    ),
]
