"""Sign-up extras (pages-import-sifa.md §1.3): "Renvoyer le courriel de confirmation" on the bravo page, and
"Autre Réseau" on the réseau step (an admin e-mail, no account)."""

from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.urls import reverse

from organismes.models import AccountStatus, Organisation, User
from tests.factories import OrganismeFactory, ReseauFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Motdepasse-solide-123"
EMAIL = "jean.dupont@cfa-test.fr"
RESENT = "Le courriel de confirmation a été renvoyé."
COOLDOWN = "Un courriel vient d'être envoyé. Vous pourrez en demander un nouveau dans quelques instants."
NOT_PENDING = "Aucune inscription en attente de confirmation"
RESEAU_SUBJECT = "[ADMIN] Demande d'accès au tableau de bord : nouveau réseau signalé"


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def signed_up(client):
    """A browser that has just gone through the wizard: the account waits for its e-mail validation."""
    organisme = OrganismeFactory()
    client.post(reverse("inscription_organisme_formation"), {"organisme": str(organisme.public_id)})
    response = client.post(
        reverse("inscription_profil"),
        {
            "email": EMAIL,
            "civilite": "Monsieur",
            "nom": "Dupont",
            "prenom": "Jean",
            "fonction": "Responsable administratif",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "cgu": "on",
            "accepte_contact": "on",
        },
    )
    assert response.url == reverse("inscription_bravo")
    assert len(mail.outbox) == 1
    return client


# ---- Renvoyer le courriel de confirmation ---------------------------------------------------------------------


def test_bravo_page_offers_the_resend_button_after_sign_up(signed_up, client):
    html = text(signed_up.get(reverse("inscription_bravo")))
    assert "Renvoyer le courriel de confirmation" in html
    assert f'action="{reverse("inscription_renvoyer_activation")}"' in html
    assert "csrfmiddlewaretoken" in html
    # A visitor without a sign-up in this session sees the page without the button.
    other = text(type(client)().get(reverse("inscription_bravo")))
    assert "Vérifiez votre boite mail !" in other
    assert "Renvoyer le courriel de confirmation" not in other


def test_resend_sends_the_activation_email_again_then_waits(signed_up):
    response = signed_up.post(reverse("inscription_renvoyer_activation"), follow=True)

    assert response.redirect_chain == [(reverse("inscription_bravo"), 302)]
    assert RESENT in text(response)
    assert len(mail.outbox) == 2
    resent = mail.outbox[1]
    assert resent.to == [EMAIL]
    assert resent.subject.endswith("Activation de votre compte")
    assert "J'active mon compte" in resent.body

    again = signed_up.post(reverse("inscription_renvoyer_activation"), follow=True)

    assert COOLDOWN in text(again)
    assert RESENT not in text(again)
    assert len(mail.outbox) == 2


def test_resend_ignores_any_posted_address(signed_up):
    signed_up.post(reverse("inscription_renvoyer_activation"), {"email": "victime@example.org"})
    assert [m.to for m in mail.outbox] == [[EMAIL], [EMAIL]]


@pytest.mark.parametrize("status", [AccountStatus.PENDING_ADMIN_VALIDATION, AccountStatus.CONFIRMED])
def test_resend_for_an_account_no_longer_waiting_sends_nothing(signed_up, status):
    User.objects.filter(email=EMAIL).update(account_status=status)
    EmailAddress.objects.filter(email=EMAIL).update(verified=True)

    response = signed_up.post(reverse("inscription_renvoyer_activation"), follow=True)

    assert response.status_code == 200
    assert NOT_PENDING in text(response)
    assert "Renvoyer le courriel de confirmation" not in text(response)
    assert len(mail.outbox) == 1


def test_resend_without_a_sign_up_in_the_session_sends_nothing(client):
    UserFactory(email=EMAIL, account_status=AccountStatus.PENDING_EMAIL_VALIDATION)

    response = client.post(reverse("inscription_renvoyer_activation"), follow=True)

    assert response.status_code == 200
    assert NOT_PENDING in text(response)
    assert not mail.outbox


def test_resend_for_a_deleted_account_sends_nothing(signed_up):
    User.objects.filter(email=EMAIL).delete()
    response = signed_up.post(reverse("inscription_renvoyer_activation"), follow=True)
    assert NOT_PENDING in text(response)
    assert len(mail.outbox) == 1


def test_resend_is_post_only(signed_up):
    assert signed_up.get(reverse("inscription_renvoyer_activation")).status_code == 405
    assert len(mail.outbox) == 1


def test_resend_needs_the_csrf_token(signed_up):
    signed_up.handler.enforce_csrf_checks = True
    response = signed_up.post(reverse("inscription_renvoyer_activation"))
    assert response.status_code == 403
    assert len(mail.outbox) == 1


# ---- Autre Réseau ---------------------------------------------------------------------------------------------


def test_reseau_select_ends_with_autre_reseau(client):
    ReseauFactory(nom="CCI")
    html = client.get(reverse("inscription_reseau")).content.decode()
    options = html[html.index('name="reseau"') :]
    options = options[: options.index("</select>")]
    assert options.rstrip().endswith('<option value="AUTRE">Autre Réseau</option>')
    assert "CCI" in options


def test_choosing_autre_reseau_leads_to_the_form(client):
    response = client.post(reverse("inscription_reseau"), {"reseau": "AUTRE"})
    assert response.url == reverse("inscription_reseau_inconnu")
    assert "inscription" not in client.session
    html = text(client.get(response.url))
    assert "Indiquez le nom de votre réseau :" in html
    assert "Votre courriel :" in html


def test_unknown_reseau_sends_the_admin_email_and_creates_nothing(client):
    response = client.post(
        reverse("inscription_reseau_inconnu"),
        {"nom": "Réseau <b>des</b> CFA & Cie", "email": "contact@reseau-cfa.fr"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("inscription_reseau_autre"), 302)]
    html = text(response)
    assert "La création de votre compte n’a pu aboutir (pour le moment)." in html
    assert "L’équipe du tableau de bord reviendra vers vous dès que votre réseau aura été ajouté." in html
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [settings.SUPPORT_EMAIL]
    assert message.subject.endswith(RESEAU_SUBJECT)
    # A plain-text e-mail (no HTML part to inject into): the values appear as typed.
    assert not getattr(message, "alternatives", None)
    assert "Nom du réseau indiqué : Réseau <b>des</b> CFA & Cie" in message.body
    assert "Courriel : contact@reseau-cfa.fr" in message.body
    assert not User.objects.exists() and not Organisation.objects.exists() and not EmailAddress.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"nom": "", "email": "contact@reseau.fr"}, "Le nom du réseau est obligatoire"),
        ({"nom": "   ", "email": "contact@reseau.fr"}, "Le nom du réseau est obligatoire"),
        ({"nom": "a" * 201, "email": "contact@reseau.fr"}, "Assurez-vous que cette valeur comporte au plus 200"),
        ({"nom": "Réseau\nFaux", "email": "contact@reseau.fr"}, "caractères non autorisés"),
        ({"nom": "Réseau", "email": "pas-un-email"}, "L'email n'est pas au bon format"),
        ({"nom": "Réseau", "email": ""}, "L'email est obligatoire"),
    ],
)
def test_unknown_reseau_form_errors_are_french(client, data, message):
    response = client.post(reverse("inscription_reseau_inconnu"), data)

    assert response.status_code == 200
    assert message in text(response)
    assert not mail.outbox


def test_unknown_reseau_name_of_200_characters_is_accepted(client):
    response = client.post(reverse("inscription_reseau_inconnu"), {"nom": "a" * 200, "email": "x@reseau.fr"})
    assert response.url == reverse("inscription_reseau_autre")
    assert len(mail.outbox) == 1


def test_unknown_reseau_reports_are_limited_per_client(client):
    url = reverse("inscription_reseau_inconnu")
    for i in range(5):
        assert client.post(url, {"nom": f"Réseau {i}", "email": "x@reseau.fr"}).status_code == 302

    response = client.post(url, {"nom": "Réseau 6", "email": "x@reseau.fr"})

    assert response.status_code == 429
    assert "Trop de requêtes, veuillez réessayer plus tard." in text(response)
    assert len(mail.outbox) == 5
