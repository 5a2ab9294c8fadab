"""load_demo: one confirmed user per organisation type in scope, idempotent, able to log in."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from organismes.demo import DEMO_PASSWORD, DEMO_PASSWORD_ADMIN, DEMO_USERS
from organismes.models import AccountStatus, OrganisationType, Reseau, User

pytestmark = pytest.mark.django_db


def test_load_demo_creates_one_confirmed_user_per_type_and_is_idempotent(client):
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=StringIO())

    users = User.objects.filter(email__endswith="@demo.tdba.fr")
    assert users.count() == len(DEMO_USERS)
    assert set(users.values_list("organisation__type", flat=True)) == set(OrganisationType.values)
    assert all(u.account_status == AccountStatus.CONFIRMED for u in users)
    assert "ofa.formateur@demo.tdba.fr" in out.getvalue() and DEMO_PASSWORD in out.getvalue()
    assert Reseau.objects.get(key="comp_du_devoir").responsable
    admin = users.get(organisation__type=OrganisationType.ADMINISTRATEUR)
    assert admin.is_superuser and admin.is_staff

    for email, password in [("ofa.formateur@demo.tdba.fr", DEMO_PASSWORD), (admin.email, DEMO_PASSWORD_ADMIN)]:
        response = client.post(reverse("account_login"), {"login": email, "password": password}, follow=True)
        assert response.wsgi_request.user.email == email
        client.logout()
