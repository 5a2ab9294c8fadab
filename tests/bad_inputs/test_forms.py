"""Sign-up, login, "Mon compte", invitations, roles, Paramètres, dashboards and reports against hostile input
(issue 11). Every case: a 4xx, or the form re-rendered (200, the product's behaviour for forms) with its French
message; never a 500; nothing stored; whatever is echoed is escaped.

Status of each family (product behaviour): sign-up steps, login, Mon compte, Paramètres "autre ERP" (400) and the
dashboards' filters re-render with 200 (400 where noted); invitations re-render with 400; a role change, a bad
organisme choice and a tampered wizard session redirect (302) with a French flash message; a report for an
impossible date is a 404.
"""

import pytest
from django.core import mail
from django.urls import reverse

from erp_keys.models import Erp
from organismes.models import AccountStatus, Invitation, Organisation, OrganisationRole, Reseau, User
from tests.bad_inputs.conftest import (
    INJECTION_IDS,
    INJECTIONS,
    OVERLONG,
    SQL,
    XSS_IMG,
    XSS_SCRIPT,
    XSS_SVG,
    assert_escaped,
    page_text,
    refused_for_nul,
)
from tests.factories import OrganismeFactory, ReseauFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Motdepasse-solide-123"
INVALID_CHOICE = "Sélectionnez un choix valide."


def profil_data(**overrides):
    data = {
        "email": "jean.dupont@cfa-test.fr",
        "civilite": "Monsieur",
        "nom": "Dupont",
        "prenom": "Jean",
        "fonction": "Responsable administratif",
        "telephone": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "cgu": "on",
        "accepte_contact": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def wizard(client):
    """The sign-up wizard at step 3 for an OFA."""
    organisme = OrganismeFactory()
    response = client.post(reverse("inscription_organisme_formation"), {"organisme": str(organisme.public_id)})
    assert response.url == reverse("inscription_profil")
    return client


@pytest.fixture
def admin(client):
    user = UserFactory(organisation_role=OrganisationRole.ADMIN)
    client.force_login(user)
    return user


# ---- Sign-up step 1 and 2 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [*INJECTIONS, OVERLONG, "ADMINISTRATEUR", ""], ids=[*INJECTION_IDS, "long", "admin", "empty"]
)
def test_signup_type_unknown_choice(client, value):
    response = client.post(reverse("inscription"), {"type": value})

    assert response.status_code == 200
    text = page_text(response)
    assert INVALID_CHOICE in text or "Choisissez le type de votre organisation." in text
    assert_escaped(response, value)


@pytest.mark.parametrize("mode", ["uai", "siret"])
@pytest.mark.parametrize("value", [*INJECTIONS, OVERLONG, "0802004U\x00"], ids=[*INJECTION_IDS, "long", "nul"])
@pytest.mark.parametrize("url", ["inscription_organisme_formation", "inscription_recherche_resultats"])
def test_signup_search_with_hostile_values(client, mode, value, url):
    response = client.get(reverse(url), {"select": mode, mode: value})
    if refused_for_nul(response, value):
        return

    assert response.status_code == 200
    assert_escaped(response, value)
    if url == "inscription_organisme_formation":
        text = page_text(response)
        assert any(m in text for m in ("UAI invalide", "SIRET invalide", "Assurez-vous", "obligatoire"))


@pytest.mark.parametrize("value", [*INJECTIONS, OVERLONG, "", "00000000-0000-0000-0000-000000000000"])
def test_signup_choice_of_an_unknown_organisme(client, value):
    response = client.post(reverse("inscription_organisme_formation"), {"organisme": value}, follow=True)

    assert "Organisme introuvable." in page_text(response)
    assert "inscription" not in client.session
    assert_escaped(response, value)


@pytest.mark.parametrize("value", [*INJECTIONS, OVERLONG], ids=[*INJECTION_IDS, "long"])
def test_signup_operateur_public_unknown_type_and_territory(client, value):
    by_type = client.get(reverse("inscription_operateur_public"), {"type": value})
    territory = client.post(reverse("inscription_operateur_public"), {"type": "DREETS", "territoire": value})

    assert by_type.status_code == 200 and "Choix invalide." in page_text(by_type)
    assert territory.status_code == 200 and "Territoire inconnu." in page_text(territory)
    assert_escaped(by_type, value)
    assert_escaped(territory, value)
    assert "inscription" not in client.session


@pytest.mark.parametrize("value", [*INJECTIONS, OVERLONG, "-1", "99999999999999999999"])
def test_signup_unknown_reseau(client, value):
    ReseauFactory()
    response = client.post(reverse("inscription_reseau"), {"reseau": value})

    assert response.status_code == 200 and "Réseau inconnu." in page_text(response)
    assert_escaped(response, value)


@pytest.mark.parametrize("value", [*INJECTIONS, OVERLONG, "Réseau\x00", "Réseau\r\nBcc: x@example.org"])
def test_signup_autre_reseau_with_hostile_names(client, value):
    """Valid text is reported to the team as typed (plain-text e-mail); anything else re-renders the form."""
    reseaux = Reseau.objects.count()
    response = client.post(reverse("inscription_reseau_inconnu"), {"nom": value, "email": "contact@reseau.fr"})

    if value in INJECTIONS:
        assert response.url == reverse("inscription_reseau_autre")
        assert len(mail.outbox) == 1 and value in mail.outbox[0].body
        assert value not in mail.outbox[0].subject
    else:
        assert response.status_code == 200
        assert "fr-error-text" in response.content.decode()
        assert not mail.outbox
        assert_escaped(response, value)
    assert not User.objects.exists() and not Organisation.objects.exists()
    assert Reseau.objects.count() == reseaux


@pytest.mark.parametrize(
    "value",
    [*INJECTIONS, f"x{XSS_IMG}@example.org", "a" * 10_000 + "@example.org", "jean\x00@cfa.fr", "a@b.fr\nBcc: c@d.fr"],
)
def test_signup_autre_reseau_with_hostile_emails(client, value):
    response = client.post(reverse("inscription_reseau_inconnu"), {"nom": XSS_SCRIPT, "email": value})

    assert response.status_code == 200
    text = page_text(response)
    assert "L'email n'est pas au bon format" in text or "Assurez-vous" in text or "caractères nuls" in text
    assert_escaped(response, value, XSS_SCRIPT)
    assert not mail.outbox
    assert not User.objects.exists() and not Organisation.objects.exists()


@pytest.mark.parametrize("value", [*INJECTIONS, OVERLONG, {"pk": 1}, 1, "00000000-0000-0000-0000-000000000000"])
def test_resend_activation_with_a_tampered_session(client, value):
    UserFactory(account_status=AccountStatus.PENDING_EMAIL_VALIDATION)
    session = client.session
    session["inscription_compte"] = value
    session.save()

    response = client.post(reverse("inscription_renvoyer_activation"), {"email": XSS_SCRIPT}, follow=True)

    assert response.status_code == 200
    assert "Aucune inscription en attente de confirmation" in page_text(response)
    assert_escaped(response, XSS_SCRIPT)
    assert not mail.outbox


# ---- Sign-up step 3: the profile ----------------------------------------------------------------------------

PROFILE_CASES = {
    **{
        f"{field}-{pid}": (field, value)
        for field in ("nom", "prenom", "fonction")
        for pid, value in [("script", XSS_SCRIPT), ("img", XSS_IMG)]
    },
    "telephone-sql": ("telephone", SQL),
    "nom-overlong": ("nom", OVERLONG),
    "prenom-overlong": ("prenom", OVERLONG),
    "fonction-overlong": ("fonction", OVERLONG),
    "telephone-overlong": ("telephone", OVERLONG),
    "email-overlong": ("email", "a" * 10_000 + "@example.org"),
    "email-script": ("email", XSS_SCRIPT),
    "email-img": ("email", f"x{XSS_IMG}@example.org"),
    "email-sql": ("email", "' OR 1=1 --@example.org"),
    "email-no-at": ("email", "jean.dupont.cfa.fr"),
    "email-two-at": ("email", "jean@@cfa.fr"),
    "email-spaces": ("email", "jean dupont@cfa.fr"),
    "email-javascript": ("email", "javascript:alert(1)"),
    "email-nul": ("email", "jean\x00@cfa.fr"),
    "email-empty": ("email", ""),
    "civilite-unknown": ("civilite", XSS_SCRIPT),
    "civilite-empty": ("civilite", ""),
    "nom-nul": ("nom", "Du\x00pont"),
    "nom-blank": ("nom", "   "),
    "password-short": ("password1", "Ab1!"),
    "password-common": ("password1", "password"),
    "password-numeric": ("password1", "123456789012345"),
    "password-like-email": ("password1", "jean.dupont@cfa-test.fr"),
    "password-empty": ("password1", ""),
    "password-nul": ("password1", "Motdepasse-\x00solide-123"),
    "password-mismatch": ("password2", "Autre-motdepasse-456"),
    "cgu-missing": ("cgu", None),
    "contact-missing": ("accepte_contact", None),
}


@pytest.mark.parametrize("case", list(PROFILE_CASES))
def test_signup_profile_refuses_bad_values_and_creates_nobody(wizard, case):
    field, value = PROFILE_CASES[case]
    data = profil_data(**{field: value})
    if field == "password1" and value is not None:
        data["password2"] = value
    if value is None:
        data.pop(field)

    response = wizard.post(reverse("inscription_profil"), data)

    if field in ("nom", "prenom", "fonction", "telephone") and value in (XSS_SCRIPT, XSS_IMG, SQL):
        # Valid text: the account is created; the value is only ever shown escaped.
        assert response.status_code == 302
        return
    assert response.status_code == 200, case
    assert "fr-error-text" in response.content.decode() or "fr-alert--error" in response.content.decode()
    assert not User.objects.exists()
    assert_escaped(response, str(value))
    assert "Motdepasse" not in response.content.decode()  # passwords are never echoed


def test_signup_accepts_a_10000_character_password(wizard):
    """No maximum length on passwords (Django's and allauth's behaviour): it is only hashed, never echoed."""
    response = wizard.post(reverse("inscription_profil"), profil_data(password1="Aa1!" * 2500, password2="Aa1!" * 2500))

    assert response.status_code == 302
    assert User.objects.get().check_password("Aa1!" * 2500)


@pytest.mark.parametrize(
    "tampered",
    [
        {"type": "ORGANISME_FORMATION", "organisme": XSS_SCRIPT},
        {"type": XSS_SCRIPT},
        {"invitation": XSS_SCRIPT},
        {"invitation": SQL},
        {"type": "DDETS", "departement": ["75"]},
        {"type": "TETE_DE_RESEAU", "reseau": 1.5},
        [],
        None,
        12,
    ],
)
def test_tampered_wizard_session_restarts_the_sign_up(client, tampered):
    session = client.session
    session["inscription"] = tampered
    session.save()

    response = client.post(reverse("inscription_profil"), profil_data(), follow=True)

    assert response.redirect_chain[0][0] == reverse("inscription")
    assert "Votre inscription est incomplète ou a expiré : merci de recommencer." in page_text(response)
    assert not User.objects.exists()
    assert_escaped(response, XSS_SCRIPT)


@pytest.mark.parametrize("token", [XSS_SCRIPT, SQL, "a" * 5000, "..", "%00", "\u202e"])
def test_invitation_link_with_a_hostile_token(client, token):
    response = client.get(f"/invitation/{token}/")
    if refused_for_nul(response, response.wsgi_request.path):
        return

    assert response.status_code == 404
    assert_escaped(response, token)
    assert "inscription" not in client.session


def test_invited_email_cannot_be_changed_by_a_tampered_post(client, admin):
    client.post(reverse("roles_inviter"), {"email": "invitee@example.org", "role": "member"})
    invitation = Invitation.objects.get()
    client.logout()
    client.get(reverse("invitation_accepter", args=[invitation.token]))

    client.post(reverse("inscription_profil"), profil_data(email="attacker@example.org"))

    assert not User.objects.filter(email="attacker@example.org").exists()


# ---- Login ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "login",
    [*INJECTIONS, OVERLONG + "@example.org", "", "jean\x00@example.org"],
    ids=[*INJECTION_IDS, "long", "empty", "nul"],
)
def test_login_with_hostile_values(client, login):
    UserFactory(email="jean@example.org")

    response = client.post(reverse("account_login"), {"login": login, "password": SQL})

    assert response.status_code in (200, 400, 429)
    assert "_auth_user_id" not in client.session
    assert_escaped(response, login)


# ---- Mon compte ---------------------------------------------------------------------------------------------

INFO_CASES = {
    "prenom-overlong": {"prenom": OVERLONG},
    "nom-overlong": {"nom": OVERLONG},
    "telephone-overlong": {"telephone": OVERLONG},
    "fonction-overlong": {"fonction": OVERLONG},
    "nom-empty": {"nom": ""},
    "nom-nul": {"nom": "Du\x00pont"},
    "civilite-unknown": {"civilite": XSS_SCRIPT},
    "civilite-sql": {"civilite": SQL},
}


@pytest.mark.parametrize("case", list(INFO_CASES))
def test_mon_compte_refuses_bad_values_and_stores_nothing(client, admin, case):
    data = {
        "civilite": "Madame",
        "prenom": "Camille",
        "nom": "Martin",
        "telephone": "",
        "fonction": "",
        **INFO_CASES[case],
    }

    response = client.post(reverse("mon_compte"), data)

    assert response.status_code == 200
    assert "fr-error-text" in response.content.decode()
    admin.refresh_from_db()
    assert (admin.prenom, admin.nom, admin.civilite) == ("Camille", "Martin", "Madame")
    assert_escaped(response, *INFO_CASES[case].values())


@pytest.mark.parametrize("value", [XSS_SCRIPT, XSS_IMG, XSS_SVG, SQL])
def test_mon_compte_hostile_but_valid_text_is_stored_and_shown_escaped(client, admin, value):
    data = {"civilite": "Madame", "prenom": value, "nom": value, "telephone": "", "fonction": value}

    response = client.post(reverse("mon_compte"), data, follow=True)

    assert response.status_code == 200
    assert "Vos informations ont été enregistrées." in page_text(response)
    assert_escaped(response, value)
    assert_escaped(client.get(reverse("roles_habilitations")), value)


# ---- Invitations and roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [*INJECTIONS, "a" * 10_000 + "@example.org", "", "x@", "@x.fr", "x@x", "x@x..fr"],
    ids=[*INJECTION_IDS, "long", "empty", "no-domain", "no-local", "no-tld", "double-dot"],
)
def test_single_invitation_with_a_bad_email(client, admin, email):
    response = client.post(reverse("roles_inviter"), {"email": email, "role": "member"})

    assert response.status_code == 400
    assert "L'email" in page_text(response)
    assert not Invitation.objects.exists()
    assert_escaped(response, email)


@pytest.mark.parametrize("role", [XSS_SCRIPT, SQL, "superadmin", OVERLONG])
def test_single_invitation_with_an_unknown_role(client, admin, role):
    response = client.post(reverse("roles_inviter"), {"email": "ok@example.org", "role": role})

    assert response.status_code == 400
    assert INVALID_CHOICE in page_text(response)
    assert not Invitation.objects.exists()
    assert_escaped(response, role)


@pytest.mark.parametrize(
    "emails",
    [
        f"ok@example.org\n{XSS_SCRIPT}",
        f"{XSS_IMG}\nok@example.org",
        f"ok@example.org;{SQL}",
        "\n".join(f"u{i}@example.org" for i in range(500)),
        " , ; \n ",
        OVERLONG,
    ],
    ids=["script", "img", "sql", "too-many", "separators-only", "overlong"],
)
def test_batch_invitation_with_bad_emails(client, admin, emails):
    response = client.post(reverse("roles_inviter_groupe"), {"emails": emails, "role": "member"})

    assert response.status_code == 400
    text = page_text(response)
    assert "Adresses au mauvais format" in text or "Indiquez" in text
    assert not Invitation.objects.exists()
    assert_escaped(response, XSS_SCRIPT, XSS_IMG)


@pytest.mark.parametrize("role", [XSS_SCRIPT, SQL, "", "superadmin"])
def test_role_change_with_an_unknown_role(client, admin, role):
    member = UserFactory(organisation=admin.organisation, organisation_role=OrganisationRole.MEMBER)

    response = client.post(reverse("membre_role", args=[member.public_id]), {"role": role}, follow=True)

    assert "Rôle inconnu." in page_text(response)
    member.refresh_from_db()
    assert member.organisation_role == OrganisationRole.MEMBER
    assert_escaped(response, role)


def test_unconfirmed_user_cannot_invite(client):
    user = UserFactory(account_status=AccountStatus.PENDING_ADMIN_VALIDATION, organisation_role=OrganisationRole.ADMIN)
    client.force_login(user)

    response = client.post(reverse("roles_inviter"), {"email": "ok@example.org", "role": "member"})

    assert response.status_code in (302, 403)
    assert not Invitation.objects.exists()


# ---- Paramètres wizard ---------------------------------------------------------------------------------------


@pytest.fixture
def ofa(client, admin):
    return admin.organisation.organisme


@pytest.mark.parametrize("value", [*INJECTIONS, OVERLONG], ids=[*INJECTION_IDS, "long"])
def test_parametres_unknown_erp_choice(client, ofa, value):
    Erp.objects.get_or_create(unique_id="ymag", defaults={"name": "Ymag", "api_v3": True})

    response = client.get(reverse("parametres"), {"erp": value})

    assert response.status_code == 200
    assert "ERP inconnu." in page_text(response)
    assert_escaped(response, value)


@pytest.mark.parametrize("value", [*INJECTIONS, OVERLONG, "\x00"], ids=[*INJECTION_IDS, "long", "nul"])
def test_parametres_unknown_erp_v3_id_is_escaped(client, ofa, value):
    response = client.get(reverse("parametres"), {"erpV3": value})
    if refused_for_nul(response, value):
        return

    assert response.status_code == 200
    assert_escaped(response, value)


@pytest.mark.parametrize("nom", ["", "   ", "a" * 256, OVERLONG, "\x00"], ids=["empty", "blank", "256", "long", "nul"])
def test_parametres_autre_erp_bad_name(client, ofa, nom):
    response = client.post(reverse("parametres_autre_erp"), {"nom": nom})

    assert response.status_code == 400
    assert "fr-error-text" in response.content.decode()
    ofa.refresh_from_db()
    assert ofa.erp_unsupported == "" and not ofa.mode_de_transmission


@pytest.mark.parametrize("nom", [XSS_SCRIPT, XSS_IMG, SQL])
def test_parametres_autre_erp_hostile_name_is_stored_and_shown_escaped(client, ofa, nom):
    response = client.post(reverse("parametres_autre_erp"), {"nom": nom}, follow=True)

    assert response.status_code == 200
    assert_escaped(response, nom)


@pytest.mark.parametrize("erp", [XSS_SCRIPT, SQL, OVERLONG, ""])
def test_parametres_confirm_with_an_unknown_erp(client, ofa, erp):
    response = client.post(reverse("parametres_confirmer"), {"erp": erp}, follow=True)

    assert "Cet ERP n'est pas pris en charge." in page_text(response)
    ofa.refresh_from_db()
    assert not ofa.mode_de_transmission
    assert_escaped(response, erp)


@pytest.mark.parametrize("erp", [XSS_SCRIPT, XSS_SVG, OVERLONG])
def test_parametres_key_generation_with_a_hostile_erp_id(client, ofa, erp):
    response = client.post(reverse("parametres_cle"), {"erp": erp})

    assert response.status_code == 200
    assert_escaped(response, erp)


# ---- Dashboards, lists and reports: query strings and URLs ----------------------------------------------------

BAD_MOIS = ["2024-13", "2024-00", "0000-01", "9999-12", "2024-1", "<script>alert(1)</script>", SQL, OVERLONG, "\x00"]


@pytest.mark.parametrize("mois", BAD_MOIS)
@pytest.mark.parametrize("url", ["tableau_de_bord", "mes_indicateurs"])
def test_month_picker_with_bad_values(client, ofa, mois, url):
    response = client.get(reverse(url), {"mois": mois})

    assert response.status_code in (200, 400)
    assert "fr-error-text" in response.content.decode() or response.status_code == 400
    assert_escaped(response, mois)


BAD_PAGES = ["-1", "0", "abc", "1e9", "99999999999999999999999999", XSS_SCRIPT, "1.5", ""]
LIST_PARAMS = {
    "page": BAD_PAGES,
    "recherche": [XSS_SCRIPT, SQL, OVERLONG, "%", "_", "\\"],
    "par_page": ["abc", "-1", "100000"],
    "tri": [XSS_SCRIPT, "nom; DROP"],
    "ordre": [XSS_SCRIPT],
    "statut": [XSS_SCRIPT],
    "annee_scolaire": [XSS_IMG],
    "anomalie": [SQL],
}
LIST_CASES = [(param, value) for param, values in LIST_PARAMS.items() for value in values]


@pytest.mark.parametrize(("param", "value"), LIST_CASES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(LIST_CASES)])
def test_mes_effectifs_filters_and_pagination(client, ofa, param, value):
    response = client.get(reverse("mes_effectifs"), {param: value})

    assert response.status_code in (200, 400)
    assert_escaped(response, value)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("formation_cfds", XSS_SCRIPT),
        ("formation_niveaux", SQL),
        ("apprenant_tranchesAge", XSS_IMG),
        ("formation_annees", "abc"),
        ("organisme_search", OVERLONG),
    ],
)
def test_mes_indicateurs_filters(client, ofa, param, value):
    response = client.get(reverse("mes_indicateurs"), {param: value})

    assert response.status_code in (200, 400)
    assert_escaped(response, value)


@pytest.mark.parametrize("page", BAD_PAGES)
@pytest.mark.parametrize("param", ["page", "par"])
def test_transmissions_pagination(client, ofa, page, param):
    response = client.get(reverse("transmissions"), {param: page})

    assert response.status_code == 200
    assert_escaped(response, page)


@pytest.mark.parametrize(
    "day", ["2024-02-30", "2024-13-01", "2024-00-10", "0000-01-01", "2023-02-29", "2024-1-01", "abcd-ef-gh"]
)
@pytest.mark.parametrize("suffix", ["", "rapport.xlsx"])
def test_report_for_an_impossible_date_is_a_404(client, ofa, day, suffix):
    response = client.get(f"/transmissions/{day}/{suffix}")

    assert response.status_code == 404


@pytest.mark.parametrize("onglet", [XSS_SCRIPT, SQL, OVERLONG])
@pytest.mark.parametrize("page", ["-1", "abc", XSS_IMG])
def test_report_tabs_and_pages(client, ofa, onglet, page):
    response = client.get("/transmissions/2024-02-29/", {"onglet": onglet, "page": page})

    assert response.status_code == 200
    assert_escaped(response, onglet, page)
