"""The 2024 permission matrix on the spec's shared fixture (statuses-indicators-roles.md §6 A, C, G).

TDBA follows the 2024 matrix (§4.3 "historical"): where it differs from the HEAD expectations of §6
(Conseil régional, Opérateur public national), the rows say so.
"""

import pytest

from organismes.models import Organisation, OrganisationType, Organisme
from organismes.permissions import NOMINATIF_TYPES, acl_for_organisation, organisme_permissions
from tests.factories import OrganismeFactory, RelationFactory, ReseauFactory

T, F = True, False
OPS = ("inscritSansContrat", "rupturant", "abandon")


@pytest.fixture
def fixture_organismes(db):
    cci = ReseauFactory(key="cci", nom="CCI")
    compagnons = ReseauFactory(key="comp_du_devoir", nom="Compagnons du Devoir", responsable=True)
    ReseauFactory(key="agri", nom="AGRI")
    common = {"region_id": "53", "departement_id": "56", "academie_id": "14", "reseaux": [cci, compagnons]}
    cible = OrganismeFactory(uai="0000000A", siret="00000000000018", **common)
    formateur = OrganismeFactory(uai="0000000B", **common)
    responsable = OrganismeFactory(uai="0000000C", **common)
    non_lie = OrganismeFactory(uai="1111111B", **common)
    RelationFactory(responsable=cible, formateur=formateur)
    RelationFactory(responsable=responsable, formateur=cible)
    return {"cible": cible, "formateur": formateur, "responsable": responsable, "non_lie": non_lie}


def _organisation(profile: str, organismes: dict[str, Organisme]) -> Organisation:
    t = OrganisationType
    kind, _, territory = profile.partition(":")
    values = {
        "OF cible": {"type": t.ORGANISME_FORMATION, "organisme": organismes["cible"]},
        "OF responsable": {"type": t.ORGANISME_FORMATION, "organisme": organismes["responsable"]},
        "OF formateur": {"type": t.ORGANISME_FORMATION, "organisme": organismes["formateur"]},
        "OF non lié": {"type": t.ORGANISME_FORMATION, "organisme": organismes["non_lie"]},
        "TDR même réseau": {"type": t.TETE_DE_RESEAU, "reseau_id": _reseau("cci")},
        "TDR responsable": {"type": t.TETE_DE_RESEAU, "reseau_id": _reseau("comp_du_devoir")},
        "TDR autre réseau": {"type": t.TETE_DE_RESEAU, "reseau_id": _reseau("agri")},
        "DREETS": {"type": t.DREETS, "region_id": territory},
        "Conseil régional": {"type": t.CONSEIL_REGIONAL, "region_id": territory},
        "DDETS": {"type": t.DDETS, "departement_id": territory},
        "Académie": {"type": t.ACADEMIE, "academie_id": territory},
        "OPN": {"type": t.OPERATEUR_PUBLIC_NATIONAL, "nom": "Ministère de la Justice"},
        "Administrateur": {"type": t.ADMINISTRATEUR},
    }[kind]
    return Organisation.objects.create(**values)


def _reseau(key):
    from organismes.models import Reseau

    return Reseau.objects.get(key=key).pk


# (profile, effectifsNominatifs, indicateursEffectifs, infoTransmissionEffectifs, manageEffectifs, viewContacts,
#  configurerModeTransmission) on "OF cible".
MATRIX = [
    ("OF cible", NOMINATIF_TYPES, T, T, T, T, T),
    ("OF responsable", NOMINATIF_TYPES, T, T, T, T, F),
    ("OF formateur", (), F, F, F, F, F),
    ("OF non lié", (), F, F, F, F, F),
    ("TDR même réseau", (), T, T, F, T, F),
    ("TDR responsable", NOMINATIF_TYPES, T, T, T, T, F),
    ("TDR autre réseau", (), F, F, F, F, F),
    ("DREETS:53", OPS, T, T, F, T, F),
    ("DREETS:76", (), F, T, F, F, F),
    ("DDETS:56", OPS, T, T, F, T, F),
    ("DDETS:31", (), F, T, F, F, F),
    ("Académie:14", OPS, T, T, F, T, F),
    ("Académie:16", (), F, T, F, F, F),
    # 2024 matrix: a Conseil régional sees its région's indicators and contacts, no nominative list
    # (at HEAD of the reference, these profiles were decommissioned and got nothing).
    ("Conseil régional:53", (), T, T, F, T, F),
    ("Conseil régional:76", (), F, T, F, F, F),
    # 2024 matrix: the national operators see every organisme's indicators, no nominative list.
    ("OPN", (), T, T, F, T, F),
    ("Administrateur", NOMINATIF_TYPES, T, T, T, T, T),
]


@pytest.mark.parametrize(("profile", "nominatifs", "indicateurs", "info", "manage", "contacts", "configurer"), MATRIX)
def test_permissions_on_of_cible(
    fixture_organismes, profile, nominatifs, indicateurs, info, manage, contacts, configurer
):
    acl = acl_for_organisation(_organisation(profile, fixture_organismes))

    permissions = organisme_permissions(acl, fixture_organismes["cible"])

    assert permissions.effectifs_nominatifs == tuple(nominatifs)
    assert permissions.indicateurs_effectifs is indicateurs
    assert permissions.info_transmission_effectifs is info
    assert permissions.manage_effectifs is manage
    assert permissions.view_contacts is contacts
    assert permissions.configurer_mode_transmission is configurer


@pytest.mark.parametrize(("profile", "nominatifs", "indicateurs", "info", "manage", "contacts", "configurer"), MATRIX)
def test_scope_filters_agree_with_object_checks(
    fixture_organismes, profile, nominatifs, indicateurs, info, manage, contacts, configurer
):
    """The SQL filter of each scope selects exactly the organismes its object check accepts (both sides)."""
    acl = acl_for_organisation(_organisation(profile, fixture_organismes))
    for scope in (
        acl.view_contacts,
        acl.info_transmission_effectifs,
        acl.indicateurs_effectifs,
        acl.manage_effectifs,
        acl.configurer_mode_transmission,
        *acl.effectifs_nominatifs.values(),
    ):
        in_sql = set(Organisme.objects.filter(scope.q()).distinct().values_list("pk", flat=True))
        by_object = {o.pk for o in Organisme.objects.all() if scope.contains(o)}
        assert in_sql == by_object


def test_of_sees_its_formateur_but_not_its_responsable(fixture_organismes):
    acl = acl_for_organisation(_organisation("OF cible", fixture_organismes))

    assert organisme_permissions(acl, fixture_organismes["formateur"]).manage_effectifs
    assert not organisme_permissions(acl, fixture_organismes["formateur"]).configurer_mode_transmission
    assert not organisme_permissions(acl, fixture_organismes["responsable"]).indicateurs_effectifs
    assert not organisme_permissions(acl, fixture_organismes["non_lie"]).view_contacts


def test_partial_responsibility_gives_indicators_but_no_names(fixture_organismes):
    relation = fixture_organismes["cible"].relations_formateurs.get()
    relation.responsabilite_partielle = True
    relation.save()
    acl = acl_for_organisation(_organisation("OF cible", fixture_organismes))

    permissions = organisme_permissions(acl, fixture_organismes["formateur"])

    assert permissions.indicateurs_effectifs
    assert permissions.effectifs_nominatifs == ()
    assert not permissions.manage_effectifs


def test_no_organisation_means_no_permission(fixture_organismes):
    permissions = organisme_permissions(acl_for_organisation(None), fixture_organismes["cible"])
    assert not any(
        [
            permissions.view_contacts,
            permissions.info_transmission_effectifs,
            permissions.indicateurs_effectifs,
            permissions.effectifs_nominatifs,
            permissions.manage_effectifs,
            permissions.configurer_mode_transmission,
        ]
    )
