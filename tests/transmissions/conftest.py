import pytest

from erp_keys.services import erp_key_generate
from tests.factories import OrganismeFactory

FORMATEUR = {"uai": "0802004U", "siret": "77937827200016"}
RESPONSABLE = {"uai": "0755805C", "siret": "77568013501139"}


@pytest.fixture
def fixture_couple(db):
    """The spec's fixture: formateur 0802004U (région 84, département 01, académie 10) under 0755805C."""
    responsable = OrganismeFactory(**RESPONSABLE, region_id="11", departement_id="75", academie_id="01")
    formateur = OrganismeFactory(**FORMATEUR, region_id="84", departement_id="01", academie_id="10")
    return formateur, responsable


@pytest.fixture
def api_key(fixture_couple):
    formateur, _ = fixture_couple
    return erp_key_generate(organisme=formateur)


@pytest.fixture
def api(client, api_key):
    """POST JSON to /api/v3 with the fixture formateur's key."""

    def post(path: str = "/api/v3/dossiers-apprenants", data=None, *, key: str | None = api_key, **extra):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key is not None else {}
        return client.post(
            path, data=data if data is not None else [], content_type="application/json", **headers, **extra
        )

    return post


def dossier(**overrides) -> dict:
    """A minimal valid v3 record (api-v3.md §6.1)."""
    record = {
        "nom_apprenant": "Lefebvre",
        "prenom_apprenant": "Camille",
        "date_de_naissance_apprenant": "2007-05-21",
        "annee_scolaire": "2025-2026",
        "id_erp_apprenant": "GESTI-2025-00042",
        "date_inscription_formation": "2025-06-20",
        "date_entree_formation": "2025-09-08",
        "date_fin_formation": "2027-07-02",
        "etablissement_responsable_uai": "0755805C",
        "etablissement_responsable_siret": "77568013501139",
        "etablissement_formateur_uai": "0802004U",
        "etablissement_formateur_siret": "77937827200016",
        "formation_rncp": "RNCP34670",
        "formation_cfd": "50033616",
        "duree_theorique_formation_mois": 24,
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not ...}
