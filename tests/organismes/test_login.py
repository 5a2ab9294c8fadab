"""Login (allauth + our adapter): only CONFIRMED accounts get in; French pages; rate limits."""

from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from organismes.adapters import NOT_VALIDATED_MESSAGE
from organismes.models import AccountStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Motdepasse-solide-123"


def verified_user(**kwargs):
    user = UserFactory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password}, follow=True)


def test_login_page_is_french(client):
    page = unescape(client.get(reverse("account_login")).content.decode())
    for text in [
        "Connectez-vous",
        "Email (votre identifiant)",
        "Mot de passe",
        "Mot de passe oublié",
        "Vous n'avez pas encore de compte ?",
        "Créer un compte",
    ]:
        assert text in page, text


def test_confirmed_user_logs_in_and_out(client):
    user = verified_user()
    response = login(client, user.email)
    assert response.wsgi_request.user == user
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("status", [AccountStatus.PENDING_EMAIL_VALIDATION, AccountStatus.PENDING_ADMIN_VALIDATION])
def test_pending_accounts_are_refused(client, status):
    user = verified_user(account_status=status)
    response = login(client, user.email)
    assert not response.wsgi_request.user.is_authenticated
    assert NOT_VALIDATED_MESSAGE in unescape(response.content.decode())


def test_wrong_password_is_refused_and_login_is_rate_limited(client):
    user = verified_user()
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "Mauvais-mot-2-passe"})
        assert response.status_code == 200
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    # allauth's "5/5m/key" limit on failed logins blocks even the right password for a while.
    assert not response.wsgi_request.user.is_authenticated


def test_password_reset_flow_is_french(client):
    user = verified_user()
    page = unescape(client.get(reverse("account_reset_password")).content.decode())
    assert "Mot de passe oublié" in page
    response = client.post(reverse("account_reset_password"), {"email": user.email}, follow=True)
    assert "Vérifiez votre boite mail !" in unescape(response.content.decode())
    assert mail.outbox[-1].subject.endswith("Réinitialisation de votre mot de passe")
