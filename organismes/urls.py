from django.urls import path

from organismes import views

urlpatterns = [
    path("organismes/<uuid:public_id>/", views.organisme_detail, name="organisme_detail"),
]
