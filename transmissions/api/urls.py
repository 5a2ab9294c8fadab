from django.urls import path

from transmissions.api import views

urlpatterns = [
    path("dossiers-apprenants", views.DossiersApprenantsView.as_view(), name="api_v3_dossiers"),
    path("dossiers-apprenants/test", views.DossiersApprenantsTestView.as_view(), name="api_v3_test"),
    path("dossiers-apprenants/validate", views.DossiersApprenantsValidateView.as_view(), name="api_v3_validate"),
    path("dossiers-apprenants/<uuid:queue_id>", views.DossierApprenantStateView.as_view(), name="api_v3_etat"),
]
