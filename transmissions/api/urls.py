from django.urls import path

from transmissions.api import schema, views

urlpatterns = [
    path("dossiers-apprenants", views.DossiersApprenantsView.as_view(), name="api_v3_dossiers"),
    path("dossiers-apprenants/test", views.DossiersApprenantsTestView.as_view(), name="api_v3_test"),
    path("dossiers-apprenants/validate", views.DossiersApprenantsValidateView.as_view(), name="api_v3_validate"),
    path("dossiers-apprenants/<uuid:queue_id>", views.DossierApprenantStateView.as_view(), name="api_v3_etat"),
    # Public documentation for ERP vendors: the OpenAPI schema and a Swagger UI page served without a CDN.
    path("openapi.json", schema.openapi_view, name="api_v3_openapi"),
    path("doc", schema.doc_view, name="api_v3_doc"),
]
