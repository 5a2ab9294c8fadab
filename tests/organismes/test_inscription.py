"""Sign-up wizard (pages-import-sifa.md §1.3): each organisation type, search, profile, bad input."""

import re
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from organismes.models import AccountStatus, Organisation, OrganisationRole, OrganisationType, User
from tests.factories import OrganisationFactory, OrganismeFactory, ReseauFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Motdepasse-solide-123"


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


def choose_organisme(client, organisme):
    return client.post(reverse("inscription_organisme_formation"), {"organisme": str(organisme.public_id)})


def test_step_one_lists_the_choices_and_redirects_to_each_type(client):
    html = unescape(client.get(reverse("inscription")).content.decode())
    for text in [
        "Créer votre compte",
        "Vous représentez :",
        "Un CFA ou organisme de formation",
        "Un opérateur public (D(R)(I)EETS, DDETS, Académie…)",
        "Un réseau d'organismes de formation",
        "Autre organisation",
    ]:
        assert text in html, text
    response = client.post(reverse("inscription"), {"type": "operateur-public"})
    assert response.url == reverse("inscription_operateur_public")
    autre = unescape(client.get(reverse("inscription_autre")).content.decode())
    assert "Contacter l'équipe :" in autre and "Contactez-nous" in autre


def test_uai_search_one_match_shows_the_organisme_and_its_button(client):
    organisme = OrganismeFactory(uai="0802004U", siret="77937827200016", raison_sociale="CFA DES MÉTIERS DE L'AIN")
    html = unescape(
        client.get(reverse("inscription_organisme_formation"), {"select": "uai", "uai": "0802004u"}).content.decode()
    )
    assert "Organisme de formation identifié :" in html
    assert "UAI : <strong>0802004U</strong>" in html
    assert f"SIRET : <strong>{organisme.siret} (en activité)</strong>" in html
    assert "Ceci est mon organisme" in html
    # The partial fetched by inscription.js shows the same block.
    partial = client.get(reverse("inscription_recherche_resultats"), {"select": "uai", "uai": "0802004U"})
    assert "Organisme de formation identifié :" in unescape(partial.content.decode())
    assert "<html" not in partial.content.decode()


def test_siret_search_several_matches_and_closed_siret(client):
    OrganismeFactory(uai="0802004U", siret="77937827200016")
    OrganismeFactory(uai="0802005V", siret="77937827200016", ferme=True)
    html = unescape(
        client.get(
            reverse("inscription_organisme_formation"), {"select": "siret", "siret": "77937827200016"}
        ).content.decode()
    )
    assert "Plusieurs UAI sont identifiés pour ce SIRET. Choisissez votre établissement." in html
    assert "Le SIRET 77937827200016 est un établissement fermé." in html
    assert html.count(" disabled>Ceci est mon organisme") == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"select": "uai", "uai": "12345"}, "UAI invalide"),
        ({"select": "uai", "uai": ""}, "L'UAI est obligatoire"),
        ({"select": "siret", "siret": "1234"}, "SIRET invalide"),
        ({"select": "siret", "siret": ""}, "Le SIRET est obligatoire"),
    ],
)
def test_search_format_errors(client, params, message):
    html = unescape(client.get(reverse("inscription_organisme_formation"), params).content.decode())
    assert message in html


def test_unknown_uai_and_siret_messages(client):
    html = unescape(
        client.get(reverse("inscription_organisme_formation"), {"select": "uai", "uai": "9999999Z"}).content.decode()
    )
    assert "Ce code UAI n’a pas été trouvé dans le référentiel de l’apprentissage." in html
    html = unescape(
        client.get(
            reverse("inscription_organisme_formation"), {"select": "siret", "siret": "12345678901234"}
        ).content.decode()
    )
    assert (
        "Ce SIRET n’a pas été trouvé dans le référentiel de l’apprentissage. Si vous pensez que c’est une erreur, "
        "veuillez nous contacter :" in html
    )
    assert "contactez-nous</a>" in html


def test_closed_organisme_cannot_be_chosen(client):
    organisme = OrganismeFactory(ferme=True)
    response = choose_organisme(client, organisme)
    assert response.url == reverse("inscription_organisme_formation")
    assert "inscription" not in client.session
    follow = unescape(client.get(response.url).content.decode())
    assert f"Le SIRET {organisme.siret} est un établissement fermé." in follow


def test_ofa_sign_up_creates_a_pending_admin_and_sends_the_activation_email(client):
    organisme = OrganismeFactory(uai="0802004U", siret="77937827200016")
    response = choose_organisme(client, organisme)
    assert response.url == reverse("inscription_profil")
    page = unescape(client.get(response.url).content.decode())
    for text in [
        "UAI : 0802004U - SIRET : 77937827200016",
        "Votre courriel",
        "Ex : jeandupont@cfa.fr",
        "Votre fonction au sein de l'établissement",
        "J'accepte d'être contacté",
    ]:
        assert text in page, text

    response = client.post(reverse("inscription_profil"), profil_data())

    assert response.url == reverse("inscription_bravo")
    user = User.objects.get(email="jean.dupont@cfa-test.fr")
    assert user.account_status == AccountStatus.PENDING_EMAIL_VALIDATION
    assert user.organisation.type == OrganisationType.ORGANISME_FORMATION
    assert user.organisation.organisme == organisme
    assert user.organisation_role == OrganisationRole.ADMIN  # first user of the organisme
    assert user.check_password(PASSWORD)
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith("Activation de votre compte")
    assert "J'active mon compte" in mail.outbox[0].body
    bravo = unescape(client.get(reverse("inscription_bravo")).content.decode())
    assert "Vérifiez votre boite mail !" in bravo


def test_second_ofa_user_shares_the_organisation_as_member(client):
    organisme = OrganismeFactory()
    first = UserFactory(organisation=OrganisationFactory(organisme=organisme), organisation_role="admin")
    choose_organisme(client, organisme)
    client.post(reverse("inscription_profil"), profil_data())
    user = User.objects.get(email="jean.dupont@cfa-test.fr")
    assert user.organisation == first.organisation
    assert user.organisation_role == OrganisationRole.MEMBER
    assert Organisation.objects.filter(organisme=organisme).count() == 1


@pytest.mark.parametrize(
    ("operateur", "territoire", "field"),
    [
        ("DREETS", "11", "region_id"),
        ("DRAAF", "53", "region_id"),
        ("CONSEIL_REGIONAL", "53", "region_id"),
        ("CARIF_OREF_REGIONAL", "84", "region_id"),
        ("DDETS", "56", "departement_id"),
        ("ACADEMIE", "14", "academie_id"),
        ("CARIF_OREF_NATIONAL", None, None),
        ("OPERATEUR_PUBLIC_NATIONAL", None, None),
    ],
)
def test_public_operator_sign_up(client, operateur, territoire, field):
    page = unescape(client.get(reverse("inscription_operateur_public"), {"type": operateur}).content.decode())
    assert ("Votre territoire :" in page) == bool(territoire)
    if operateur == "DDETS":
        assert "56 - Morbihan" in page
    data = {"type": operateur}
    if territoire:
        data["territoire"] = territoire
    response = client.post(reverse("inscription_operateur_public"), data)
    assert response.url == reverse("inscription_profil")
    response = client.post(reverse("inscription_profil"), profil_data(email="agent@dreets.gouv.fr"))
    assert response.url == reverse("inscription_bravo")
    user = User.objects.get(email="agent@dreets.gouv.fr")
    assert user.organisation.type == operateur
    assert user.organisation_role == ""
    if field:
        assert getattr(user.organisation, field) == territoire
    # A second agent of the same territory joins the same organisation.
    client.post(reverse("inscription_operateur_public"), data)
    client.post(reverse("inscription_profil"), profil_data(email="agent2@dreets.gouv.fr"))
    assert User.objects.get(email="agent2@dreets.gouv.fr").organisation == user.organisation


def test_public_operator_needs_a_territory(client):
    response = client.post(reverse("inscription_operateur_public"), {"type": "DDETS"})
    assert response.status_code == 200
    assert "Choisissez votre territoire." in unescape(response.content.decode())


def test_reseau_sign_up(client):
    reseau = ReseauFactory(key="cci", nom="CCI")
    page = unescape(client.get(reverse("inscription_reseau")).content.decode())
    assert "Vous représentez le réseau :" in page and "CCI" in page
    client.post(reverse("inscription_reseau"), {"reseau": reseau.pk})
    profil = unescape(client.get(reverse("inscription_profil")).content.decode())
    assert "Réseau CCI" in profil
    client.post(reverse("inscription_profil"), profil_data(email="tdr@cci.fr"))
    user = User.objects.get(email="tdr@cci.fr")
    assert user.organisation.type == OrganisationType.TETE_DE_RESEAU
    assert user.organisation.reseau == reseau


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password1": "court", "password2": "court"}, "Le mot de passe doit contenir au moins 12 caractères"),
        (
            {"password1": "toutenminuscules", "password2": "toutenminuscules"},
            "une lettre majuscule, un chiffre, un caractère spécial",
        ),
        ({"password2": "Autre-motdepasse-123"}, "Les mots de passe doivent correspondre."),
        ({"cgu": ""}, "Vous devez accepter les conditions générales d'utilisation."),
        ({"accepte_contact": ""}, "Vous devez accepter d'être contacté par un opérateur public."),
        ({"email": "pas-un-email"}, "L'email n'est pas au bon format"),
        ({"nom": ""}, "Champ obligatoire"),
    ],
)
def test_profile_errors_are_french(client, overrides, message):
    choose_organisme(client, OrganismeFactory())
    response = client.post(reverse("inscription_profil"), profil_data(**overrides))
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert not User.objects.filter(email="jean.dupont@cfa-test.fr").exists()


def test_reused_email_is_refused(client):
    UserFactory(email="jean.dupont@cfa-test.fr")
    choose_organisme(client, OrganismeFactory())
    response = client.post(reverse("inscription_profil"), profil_data(email="Jean.Dupont@cfa-test.fr"))
    assert "Cet email est déjà utilisé." in unescape(response.content.decode())
    assert User.objects.count() == 1


def test_profile_step_without_a_choice_goes_back_to_step_one(client):
    response = client.post(reverse("inscription_profil"), profil_data())
    assert response.url == reverse("inscription")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "tampered",
    [
        {"type": "ORGANISME_FORMATION", "organisme": 999999},
        {"type": "ORGANISME_FORMATION", "organisme": "1 OR 1=1"},
        {"type": "ADMINISTRATEUR"},
        {"type": "DREETS", "region": "XX"},
        {"type": "DREETS"},
        "ORGANISME_FORMATION",
    ],
)
def test_tampered_session_step_is_refused(client, tampered):
    session = client.session
    session["inscription"] = tampered
    session.save()
    response = client.post(reverse("inscription_profil"), profil_data())
    assert response.url == reverse("inscription")
    assert not User.objects.exists()


def test_organisme_closed_after_the_choice_is_refused_at_the_profile_step(client):
    organisme = OrganismeFactory()
    choose_organisme(client, organisme)
    organisme.ferme = True
    organisme.save()
    response = client.post(reverse("inscription_profil"), profil_data())
    assert response.url == reverse("inscription")
    follow = unescape(client.get(response.url).content.decode())
    assert "Votre inscription est incomplète ou a expiré : merci de recommencer." in follow


def test_activation_link_of_the_email_is_absolute_and_french(client):
    choose_organisme(client, OrganismeFactory())
    client.post(reverse("inscription_profil"), profil_data())
    link = re.search(r"http://testserver/comptes/confirm-email/\S+/", mail.outbox[0].body)
    assert link


def test_switching_to_siret_shows_no_error_before_typing(client):
    html = client.get(reverse("inscription_organisme_formation"), {"select": "siret"}).content.decode()
    assert "SIRET de votre organisme" in html
    assert "Le SIRET est obligatoire" not in html
    html = client.get(reverse("inscription_organisme_formation"), {"select": "siret", "siret": ""}).content.decode()
    assert "Le SIRET est obligatoire" in html


def test_live_results_show_the_format_error(client):
    url = reverse("inscription_recherche_resultats")
    html = client.get(url, {"select": "siret", "siret": "1020228298160"}).content.decode()
    assert "SIRET invalide" in html
    html = client.get(url, {"select": "uai", "uai": "12345"}).content.decode()
    assert "UAI invalide" in html
