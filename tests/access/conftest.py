"""The shared fixture of statuses-indicators-roles.md §6, built once per module, with one object of each kind.

The data lives in a module-wide transaction rolled back at the end: each test runs in a savepoint of it (the
`db` fixture), so a POST that changes something is undone before the next test. One session per profile, logged
in once (`force_login`), gives the session each test's fresh client starts from.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client

from erp_keys.services import erp_key_generate
from organismes.models import (
    AccountStatus,
    Invitation,
    Organisation,
    OrganisationRole,
    OrganisationType,
    Organisme,
    User,
)
from tests.factories import OrganismeFactory, RelationFactory, ReseauFactory, UserFactory
from tests.transmissions.conftest import dossier
from tests.transmissions.fichiers_import import ligne, xlsx
from transmissions import imports
from transmissions.models import QueueItem
from transmissions.processing import queue_process_lot

ANONYME = "anonyme"
# Every profile of §6, in the order of the matrix columns. "OF cible" is an `admin` of its organisation.
PROFILES = (
    ANONYME,
    "of_cible",
    "of_responsable",
    "of_formateur",
    "of_non_lie",
    "tdr_meme_reseau",
    "tdr_responsable",
    "tdr_autre_reseau",
    "dreets_meme",
    "dreets_autre",
    "ddets_meme",
    "ddets_autre",
    "academie_meme",
    "academie_autre",
    "cr_meme",
    "cr_autre",
    "opn",
    "administrateur",
)


@dataclass
class Objets:
    """The objects one side of the fixture owns (OF cible's, or OF non lié's for the cross checks)."""

    organisme: Organisme
    user: User
    cle: str
    effectif_id: str
    queue_item_id: str
    jour: dt.date
    import_id: str
    invitation_id: str
    invitation_token: str
    membre_id: str


@dataclass
class Monde:
    organismes: dict[str, Organisme]
    users: dict[str, User]
    cible: Objets
    non_lie: Objets
    session_keys: dict[str, str] = field(default_factory=dict)


def _organisation(**values) -> Organisation:
    return Organisation.objects.create(**values)


def _ingest(organisme: Organisme, responsable: Organisme, cle: str, prefix: str) -> tuple[str, str, dt.date]:
    """One learner of `organisme` through the real API path and the worker: (effectif, queue item, day)."""
    record = dossier(
        id_erp_apprenant=f"{prefix}-1",
        nom_apprenant=f"{prefix.capitalize()}",
        etablissement_formateur_uai=organisme.uai,
        etablissement_formateur_siret=organisme.siret,
        etablissement_responsable_uai=responsable.uai,
        etablissement_responsable_siret=responsable.siret,
    )
    response = Client().post(
        "/api/v3/dossiers-apprenants",
        data=[record],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cle}",
    )
    assert response.status_code == 200, response.content
    item_id = response.json()["data"][0]["_id"]
    item = QueueItem.objects.get(public_id=item_id)
    assert not item.validation_errors, item.validation_errors
    queue_process_lot(lot_id=item.lot_id)
    item.refresh_from_db()
    assert item.effectif is not None, (item.validation_errors, item.error)
    return str(item.effectif.public_id), item_id, item.computed_day


def _objets(organisme: Organisme, responsable: Organisme, organisation: Organisation, user: User, prefix: str):
    cle = erp_key_generate(organisme=organisme)
    effectif_id, item_id, jour = _ingest(organisme, responsable, cle, prefix)
    row = ligne(
        etablissement_formateur_uai=organisme.uai,
        etablissement_formateur_siret=organisme.siret,
        etablissement_responsable_uai=responsable.uai,
        etablissement_responsable_siret=responsable.siret,
    )
    fichier = imports.import_create(organisme=organisme, user=user, filename="effectifs.xlsx", content=xlsx([row]))
    invitation = Invitation.objects.create(
        email=f"invite-{prefix}@example.org", organisation=organisation, author=user, role=OrganisationRole.MEMBER
    )
    membre = UserFactory(
        email=f"en-attente-{prefix}@example.org",
        organisation=organisation,
        account_status=AccountStatus.PENDING_ADMIN_VALIDATION,
    )
    return Objets(
        organisme=organisme,
        user=user,
        cle=cle,
        effectif_id=effectif_id,
        queue_item_id=item_id,
        jour=jour,
        import_id=str(fichier.public_id),
        invitation_id=str(invitation.public_id),
        invitation_token=invitation.token,
        membre_id=str(membre.public_id),
    )


def build_monde() -> Monde:
    t = OrganisationType
    cci = ReseauFactory(key="cci", nom="CCI")
    compagnons = ReseauFactory(key="comp_du_devoir", nom="Compagnons du Devoir", responsable=True)
    agri = ReseauFactory(key="agri", nom="AGRI")
    common = {"region_id": "53", "departement_id": "56", "academie_id": "14", "reseaux": [cci, compagnons]}
    organismes = {
        "cible": OrganismeFactory(uai="0000000A", siret="00000000000018", **common),
        "formateur": OrganismeFactory(uai="0000000B", **common),
        "responsable": OrganismeFactory(uai="0000000C", **common),
        "non_lie": OrganismeFactory(uai="1111111B", **common),
    }
    RelationFactory(responsable=organismes["cible"], formateur=organismes["formateur"])
    RelationFactory(responsable=organismes["responsable"], formateur=organismes["cible"])

    organisations = {
        "of_cible": _organisation(type=t.ORGANISME_FORMATION, organisme=organismes["cible"]),
        "of_responsable": _organisation(type=t.ORGANISME_FORMATION, organisme=organismes["responsable"]),
        "of_formateur": _organisation(type=t.ORGANISME_FORMATION, organisme=organismes["formateur"]),
        "of_non_lie": _organisation(type=t.ORGANISME_FORMATION, organisme=organismes["non_lie"]),
        "tdr_meme_reseau": _organisation(type=t.TETE_DE_RESEAU, reseau=cci),
        "tdr_responsable": _organisation(type=t.TETE_DE_RESEAU, reseau=compagnons),
        "tdr_autre_reseau": _organisation(type=t.TETE_DE_RESEAU, reseau=agri),
        "dreets_meme": _organisation(type=t.DREETS, region_id="53"),
        "dreets_autre": _organisation(type=t.DREETS, region_id="76"),
        "ddets_meme": _organisation(type=t.DDETS, departement_id="56"),
        "ddets_autre": _organisation(type=t.DDETS, departement_id="31"),
        "academie_meme": _organisation(type=t.ACADEMIE, academie_id="14"),
        "academie_autre": _organisation(type=t.ACADEMIE, academie_id="16"),
        "cr_meme": _organisation(type=t.CONSEIL_REGIONAL, region_id="53"),
        "cr_autre": _organisation(type=t.CONSEIL_REGIONAL, region_id="76"),
        "opn": _organisation(type=t.OPERATEUR_PUBLIC_NATIONAL, nom="Ministère de la Justice"),
        "administrateur": _organisation(type=t.ADMINISTRATEUR),
    }
    users = {}
    for profile, organisation in organisations.items():
        extra = {}
        if organisation.type == t.ORGANISME_FORMATION:
            extra["organisation_role"] = OrganisationRole.ADMIN
        if profile == "administrateur":
            # Like the demo's administrator (organismes/demo.py): also a superuser of the Django admin.
            extra.update(is_staff=True, is_superuser=True)
        users[profile] = UserFactory(email=f"{profile}@example.org", organisation=organisation, **extra)

    cible = _objets(
        organismes["cible"], organismes["responsable"], organisations["of_cible"], users["of_cible"], "cible"
    )
    non_lie = _objets(
        organismes["non_lie"], organismes["non_lie"], organisations["of_non_lie"], users["of_non_lie"], "nonlie"
    )
    return Monde(organismes=organismes, users=users, cible=cible, non_lie=non_lie)


@pytest.fixture(scope="module")
def monde(django_db_setup, django_db_blocker):
    """The §6 fixture and its objects, once for the module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        data = build_monde()
        for profile in PROFILES:
            if profile != ANONYME:
                client = Client()
                client.force_login(data.users[profile])
                data.session_keys[profile] = client.session.session_key
        yield data
        transaction.set_rollback(True)
