"""Account states (§4.5): email validation, validation by a member or an administrator, rejection."""

import re
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from organismes.models import AccountStatus, OrganisationType, User
from tests.factories import OrganisationFactory, OrganismeFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Motdepasse-solide-123"


def sign_up(client, organisme, email="nouveau@cfa-test.fr"):
    client.post(reverse("inscription_organisme_formation"), {"organisme": str(organisme.public_id)})
    client.post(
        reverse("inscription_profil"),
        {
            "email": email,
            "civilite": "Madame",
            "nom": "Durand",
            "prenom": "Alice",
            "fonction": "Directrice",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "cgu": "on",
            "accepte_contact": "on",
        },
    )
    return User.objects.get(email=email)


def activate(client):
    url = re.search(r"http://testserver(/comptes/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    page = unescape(client.get(url).content.decode())
    assert "J'active mon compte" in page
    return client.post(url)


def pending(organisation, **kwargs):
    return UserFactory(organisation=organisation, account_status=AccountStatus.PENDING_ADMIN_VALIDATION, **kwargs)


def admin_user():
    return UserFactory(organisation=OrganisationFactory(type=OrganisationType.ADMINISTRATEUR))


def test_email_validation_without_confirmed_member_goes_to_the_team(client, settings):
    user = sign_up(client, OrganismeFactory())
    settings.SUPPORT_EMAIL = "equipe@tdba.test"

    response = activate(client)

    assert response.url == reverse("inscription_en_attente")
    user.refresh_from_db()
    assert user.account_status == AccountStatus.PENDING_ADMIN_VALIDATION
    assert EmailAddress.objects.get(user=user).verified
    assert mail.outbox[-1].to == ["equipe@tdba.test"]
    assert "[ADMIN] Demande d'accès à l'organisation OFA UAI" in mail.outbox[-1].subject
    page = unescape(client.get(response.url).content.decode())
    assert "Votre compte est en attente de validation." in page
    assert "Votre demande est en cours d’étude par nos services." in page


def test_email_validation_with_a_confirmed_member_notifies_the_members(client):
    organisme = OrganismeFactory()
    member = UserFactory(organisation=OrganisationFactory(organisme=organisme))
    sign_up(client, organisme)

    response = activate(client)

    assert mail.outbox[-1].to == [member.email]
    page = unescape(client.get(response.url).content.decode())
    assert "Votre demande est en cours d’étude par un gestionnaire de votre organisation." in page


def test_invalid_activation_link(client):
    page = unescape(client.get("/comptes/confirm-email/inconnu/").content.decode())
    assert "Le lien est expiré ou invalide, merci de prendre contact avec un administrateur" in page


def test_member_validates_a_pending_account_of_their_organisation(client):
    member = UserFactory()
    candidate = pending(member.organisation)
    client.force_login(member)

    page = unescape(client.get(reverse("roles_habilitations")).content.decode())
    assert "Comptes en attente de validation (1)" in page and candidate.email in page

    response = client.post(reverse("membre_valider", args=[candidate.public_id]))

    assert response.url == reverse("roles_habilitations")
    candidate.refresh_from_db()
    assert candidate.account_status == AccountStatus.CONFIRMED
    assert candidate.confirmed_at is not None
    assert mail.outbox[-1].to == [candidate.email]
    assert "Votre demande d’accès a été acceptée" in mail.outbox[-1].subject


def test_member_of_another_organisation_gets_404(client):
    candidate = pending(OrganisationFactory())
    client.force_login(UserFactory())
    for name in ("membre_valider", "membre_refuser", "membre_supprimer", "membre_role"):
        assert client.post(reverse(name, args=[candidate.public_id])).status_code == 404
    candidate.refresh_from_db()
    assert candidate.account_status == AccountStatus.PENDING_ADMIN_VALIDATION


def test_member_cannot_validate_an_account_still_waiting_for_its_email(client):
    member = UserFactory()
    candidate = UserFactory(organisation=member.organisation, account_status=AccountStatus.PENDING_EMAIL_VALIDATION)
    client.force_login(member)
    client.post(reverse("membre_valider", args=[candidate.public_id]))
    candidate.refresh_from_db()
    assert candidate.account_status == AccountStatus.PENDING_EMAIL_VALIDATION


def test_already_confirmed_account_cannot_be_validated_again(client):
    administrateur = admin_user()
    confirmed = UserFactory()
    client.force_login(administrateur)
    response = client.post(reverse("membre_valider", args=[confirmed.public_id]), follow=True)
    assert "Ce compte est déjà validé." in unescape(response.content.decode())
    assert not mail.outbox


def test_administrator_validates_any_non_confirmed_account(client):
    administrateur = admin_user()
    candidate = UserFactory(account_status=AccountStatus.PENDING_EMAIL_VALIDATION)
    client.force_login(administrateur)
    page = unescape(client.get(reverse("roles_habilitations")).content.decode())
    assert candidate.email in page
    client.post(reverse("membre_valider", args=[candidate.public_id]))
    candidate.refresh_from_db()
    assert candidate.account_status == AccountStatus.CONFIRMED


def test_rejection_deletes_the_account_and_tells_the_user(client):
    member = UserFactory()
    candidate = pending(member.organisation)
    client.force_login(member)
    client.post(reverse("membre_refuser", args=[candidate.public_id]))
    assert not User.objects.filter(pk=candidate.pk).exists()
    assert mail.outbox[-1].to == [candidate.email]
    assert "Votre demande d'accès a été refusée" in mail.outbox[-1].subject


def test_mon_compte_informations(client):
    user = UserFactory(telephone="")
    client.force_login(user)
    page = unescape(client.get(reverse("mon_compte")).content.decode())
    assert "Cette adresse ne peut pas être modifiée." in page and user.email in page
    response = client.post(
        reverse("mon_compte"),
        {"civilite": "Monsieur", "prenom": "Jean", "nom": "Dupont", "telephone": "0601020304", "email": "x@y.fr"},
        follow=True,
    )
    assert "Vos informations ont été enregistrées." in unescape(response.content.decode())
    user.refresh_from_db()
    assert (user.prenom, user.nom, user.telephone) == ("Jean", "Dupont", "0601020304")
    assert user.email != "x@y.fr"


def test_password_change_page_is_french(client):
    client.force_login(UserFactory())
    page = unescape(client.get(reverse("account_change_password")).content.decode())
    assert "Changer de mot de passe" in page and "Mot de passe actuel" in page
