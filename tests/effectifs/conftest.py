"""Fixtures of the effectifs page tests: the spec's organisme family and the §6 D population, ingested."""

import pytest

from erp_keys.services import erp_key_generate
from tests.effectifs.test_indicateurs import ingest, population_d
from tests.factories import OrganismeFactory, RelationFactory, ReseauFactory

# The API's fixtures (spec organismes, a key, a client posting to /api/v3), shared with the effectifs tests.
from tests.transmissions.conftest import (  # noqa: F401
    FORMATEUR,
    RESPONSABLE,
    api,
    api_key,
    fixture_couple,
)


@pytest.fixture
def famille(db):
    """OF cible (the spec fixture's formateur), its responsable, its own formateur and an unrelated one."""
    reseau = ReseauFactory(key="cci", nom="CCI")
    cible = OrganismeFactory(**FORMATEUR, region_id="84", departement_id="01", academie_id="10", reseaux=[reseau])
    responsable = OrganismeFactory(**RESPONSABLE, region_id="11", departement_id="75", academie_id="01")
    formateur = OrganismeFactory(reseaux=[reseau])
    non_lie = OrganismeFactory(reseaux=[reseau])
    RelationFactory(responsable=responsable, formateur=cible)
    RelationFactory(responsable=cible, formateur=formateur)
    return {"cible": cible, "responsable": responsable, "formateur": formateur, "non_lie": non_lie}


@pytest.fixture
def cle(famille):
    return erp_key_generate(organisme=famille["cible"])


@pytest.fixture
def population(client, famille, cle):
    ingest(client, cle, population_d())
    return famille
