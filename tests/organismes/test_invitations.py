"""Invitations, roles and the last-admin rule ("Rôles et habilitations", §4.5 and §1.11)."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organismes.models import AccountStatus, Invitation, OrganisationRole, OrganisationType, User
from organismes.services import LAST_ADMIN_MESSAGE
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Motdepasse-solide-123"


def ofa_admin(**kwargs):
    return UserFactory(organisation_role=OrganisationRole.ADMIN, **kwargs)


def page(response):
    return unescape(response.content.decode())


def invite(client, email, role="member"):
    return client.post(reverse("roles_inviter"), {"email": email, "role": role}, follow=True)


def test_invited_user_signs_up_confirmed_with_the_invited_role(client):
    admin = ofa_admin()
    client.force_login(admin)
    response = invite(client, "Collegue@cfa-test.fr", role="admin")
    assert "Un email d'invitation a été envoyé au destinataire." in page(response)
    invitation = Invitation.objects.get()
    assert invitation.email == "collegue@cfa-test.fr" and invitation.role == "admin"
    assert invitation.expires_at - invitation.created_at == timedelta(hours=96)
    link = re.search(r"http://testserver(/invitation/\w+/)", mail.outbox[-1].body).group(1)
    client.logout()

    response = client.get(link)
    assert response.url == reverse("inscription_profil")
    profil = page(client.get(response.url))
    assert 'value="collegue@cfa-test.fr"' in profil and "disabled" in profil
    response = client.post(
        reverse("inscription_profil"),
        {
            "email": "pirate@ailleurs.fr",  # ignored: the invitation's address is locked
            "civilite": "Madame",
            "nom": "Martin",
            "prenom": "Léa",
            "fonction": "Assistante",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "cgu": "on",
            "accepte_contact": "on",
        },
    )
    assert response.url == reverse("account_login")
    user = User.objects.get(email="collegue@cfa-test.fr")
    assert user.account_status == AccountStatus.CONFIRMED
    assert user.organisation == admin.organisation
    assert user.organisation_role == OrganisationRole.ADMIN
    assert not Invitation.objects.exists()
    logged = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True)
    assert logged.wsgi_request.user == user


def test_expired_invitation(client):
    admin = ofa_admin()
    client.force_login(admin)
    invite(client, "tard@cfa-test.fr")
    token = Invitation.objects.get().token
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(hours=96, minutes=1)):
        response = client.get(reverse("invitation_accepter", args=[token]))
    assert response.status_code == 410
    assert "Cette invitation a expiré." in page(response)
    assert client.get(reverse("invitation_accepter", args=["inconnu"])).status_code == 404


def test_invitation_refusals(client):
    admin = ofa_admin()
    UserFactory(email="membre@cfa-test.fr", organisation=admin.organisation)
    UserFactory(email="ailleurs@cfa-test.fr")
    client.force_login(admin)
    assert "Cet utilisateur est déjà présent dans votre organisation." in page(invite(client, "membre@cfa-test.fr"))
    assert "Cet utilisateur est déjà présent dans une autre organisation." in page(
        invite(client, "ailleurs@cfa-test.fr")
    )
    invite(client, "nouveau@cfa-test.fr")
    assert "Une invitation a déjà été envoyée à cette adresse email" in page(invite(client, "nouveau@cfa-test.fr"))
    assert "L'email n'est pas au bon format" in page(invite(client, "pas-un-email"))
    assert Invitation.objects.count() == 1


def test_sign_up_without_the_link_of_a_pending_invitation_is_refused(client):
    admin = ofa_admin()
    client.force_login(admin)
    invite(client, "invite@cfa-test.fr")
    client.logout()
    client.post(reverse("inscription_organisme_formation"), {"organisme": str(admin.organisation.organisme.public_id)})
    response = client.post(
        reverse("inscription_profil"),
        {
            "email": "invite@cfa-test.fr",
            "civilite": "Madame",
            "nom": "A",
            "prenom": "B",
            "fonction": "C",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "cgu": "on",
            "accepte_contact": "on",
        },
    )
    assert "Une invitation est en attente pour cet email. Utilisez le lien reçu par email." in page(response)


def test_resend_and_cancel_invitation_from_both_sides(client):
    admin = ofa_admin()
    client.force_login(admin)
    invite(client, "x@cfa-test.fr")
    invitation = Invitation.objects.get()
    old_token = invitation.token

    client.force_login(UserFactory())  # another organisation
    assert client.post(reverse("invitation_renvoyer", args=[invitation.public_id])).status_code == 404
    assert client.post(reverse("invitation_annuler", args=[invitation.public_id])).status_code == 404

    client.force_login(admin)
    client.post(reverse("invitation_renvoyer", args=[invitation.public_id]))
    invitation.refresh_from_db()
    assert invitation.token != old_token
    client.post(reverse("invitation_annuler", args=[invitation.public_id]))
    assert not Invitation.objects.exists()


def test_batch_invitation_is_for_ofa_admins(client):
    admin = ofa_admin()
    member = UserFactory(organisation=admin.organisation, organisation_role=OrganisationRole.MEMBER)
    client.force_login(member)
    response = client.post(reverse("roles_inviter_groupe"), {"emails": "a@x.fr", "role": "member"}, follow=True)
    assert "Seuls les administrateurs de l'organisme peuvent inviter plusieurs personnes." in page(response)
    assert not Invitation.objects.exists()

    client.force_login(admin)
    response = client.post(
        reverse("roles_inviter_groupe"), {"emails": "a@x.fr\nb@x.fr\na@x.fr", "role": "member"}, follow=True
    )
    assert "2 invitation(s) envoyée(s)." in page(response)
    too_many = "\n".join(f"p{i}@x.fr" for i in range(51))
    response = client.post(reverse("roles_inviter_groupe"), {"emails": too_many, "role": "member"})
    assert "Indiquez entre 1 et 50 adresses courriel." in page(response)


def test_last_admin_cannot_be_demoted_or_removed(client):
    admin = ofa_admin()
    other_admin = ofa_admin(organisation=admin.organisation)
    client.force_login(admin)
    client.post(reverse("membre_role", args=[other_admin.public_id]), {"role": "member"})
    other_admin.refresh_from_db()
    assert other_admin.organisation_role == OrganisationRole.MEMBER

    client.force_login(other_admin)  # now a member: cannot manage
    response = client.post(reverse("membre_supprimer", args=[admin.public_id]), follow=True)
    assert "Seuls les administrateurs" in page(response)

    # The only admin cannot demote themself, nor can anyone remove them.
    from organismes import services

    with pytest.raises(services.AccountError, match=LAST_ADMIN_MESSAGE):
        services._check_last_admin(membre=admin)
    assert User.objects.filter(pk=admin.pk).exists()


def test_admin_removes_a_member_but_not_across_organisations(client):
    admin = ofa_admin()
    member = UserFactory(organisation=admin.organisation, organisation_role=OrganisationRole.MEMBER)
    outsider = ofa_admin()
    client.force_login(outsider)
    assert client.post(reverse("membre_supprimer", args=[member.public_id])).status_code == 404
    client.force_login(admin)
    client.post(reverse("membre_supprimer", args=[member.public_id]))
    assert not User.objects.filter(pk=member.pk).exists()


def test_roles_page_lists_three_sections(client):
    admin = ofa_admin()
    client.force_login(admin)
    html = page(client.get(reverse("roles_habilitations")))
    for text in [
        "Gestion des rôles et habilitations",
        "Comptes en attente de validation (0)",
        "Invitations en cours (0)",
        "Utilisateurs actuels (1)",
        "Inviter un membre de votre organisme",
    ]:
        assert text in html, text


def test_non_ofa_members_invite_without_roles(client):
    agent = UserFactory(organisation=OrganisationFactory(type=OrganisationType.DREETS, region_id="53"))
    client.force_login(agent)
    invite(client, "collegue@dreets.gouv.fr", role="admin")
    assert Invitation.objects.get().role == ""
