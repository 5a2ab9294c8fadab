from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from organismes import views as organismes_views
from tdba import views

urlpatterns = [
    path("", views.home, name="home"),
    path("faq/", views.faq, name="faq"),
    path("glossaire/", views.glossaire, name="glossaire"),
    path("contact/", views.contact, name="contact"),
    path("cgu/", views.cgu, name="cgu"),
    path("mentions-legales/", views.mentions_legales, name="mentions_legales"),
    path("accessibilite/", views.accessibilite, name="accessibilite"),
    path("admin/", admin.site.urls),
    # Before allauth: its e-mail management page is not part of the service.
    path("comptes/email/", organismes_views.email_management_disabled, name="compte_email_desactive"),
    path("comptes/", include("allauth.urls")),
    path("api/v3/", include("transmissions.api.urls")),
    path("", include("organismes.urls")),
    path("", include("erp_keys.urls")),
    path("", include("effectifs.urls")),
    path("", include("transmissions.urls")),
]

if settings.DEBUG:
    urlpatterns += []

# A database that cannot be reached answers 503 (French page, or the API's JSON envelope).
handler500 = "tdba.views.server_error"
