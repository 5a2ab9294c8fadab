"""transmissions.validation: whole records (spec api-v3.md §1.4 step B, §2, §3.11, §5.18, §6).

Field-by-field rules are in test_validation_fields.py, dates in test_validation_dates.py, telephones in
test_validation_telephone.py. No database, no Django.
"""

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from transmissions import validation
from transmissions.exemples import SAMPLE_ABANDON as ABANDON
from transmissions.exemples import SAMPLE_FULL as FULL
from transmissions.exemples import SAMPLE_MINIMAL as MINIMAL
from transmissions.validation import (
    BOOLEAN_FIELDS,
    DATE_FIELDS,
    DOCUMENTED_FIELDS,
    ERROR_CODES,
    FIELDS,
    REQUIRED_FIELDS,
    SCHEMA_ORDER,
    SERVER_FIELDS,
    SILENTLY_NULLED_FIELDS,
    UPLOAD_REQUIRED_FIELDS,
    coherence_errors,
    collect_establishment_identifiers,
    count_without_contract,
    make_error,
    organisme_formateur_non_trouve,
    organisme_not_found_errors,
    organisme_responsable_non_trouve,
    strip_nulls,
    validate_dossier,
)

UTC = dt.UTC


# The valid item of §1.4's sample answer, as the ERP sent it.
SAMPLE_VALID = {
    "nom_apprenant": "Martin",
    "prenom_apprenant": "Léa",
    "date_de_naissance_apprenant": "2006-03-14",
    "annee_scolaire": "2025-2026",
    "statut_apprenant": 3,
    "date_metier_mise_a_jour_statut": "2025-09-15T08:30:00Z",
    "id_erp_apprenant": "YP-000123",
    "formation_rncp": "37475",
    "date_inscription_formation": "2025-07-01",
    "date_entree_formation": "2025-09-01",
    "date_fin_formation": "2027-06-30",
    "etablissement_responsable_uai": "0755805C",
    "etablissement_responsable_siret": "77568013501139",
    "etablissement_formateur_uai": "0802004U",
    "etablissement_formateur_siret": "77937827200016",
    "nir_apprenant": "2 06 03 75 112 045 33",
    "champ_inconnu": "blabla",
    "tel_apprenant": None,
}
# The invalid item of §1.4's sample answer.
SAMPLE_INVALID = {
    "nom_apprenant": "Durand",
    "prenom_apprenant": "Hugo",
    "date_de_naissance_apprenant": "14/03/2006",
    "annee_scolaire": "2025-2027",
    "id_erp_apprenant": 42,
    "email_contact": "",
    "date_inscription_formation": "2025-07-01",
    "date_entree_formation": "2025-09-01",
    "date_fin_formation": "2027-06-30",
    "etablissement_responsable_uai": "0755805C",
    "etablissement_responsable_siret": "77568013501139",
    "etablissement_formateur_uai": "0802004",
    "etablissement_formateur_siret": "77937827200016",
}
ANNEE_SCOLAIRE_MESSAGE = (
    "Format invalide (format attendu : 2023-2024). Les années doivent être consécutives ou identiques"
    " (ex : 2023-2024 ou 2023-2023)"
)


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def messages(result):
    return [(error["message"], error["path"]) for error in result.errors]


# --- The sample payloads of §6 and §1.4 ----------------------------------------------------------------------------


def test_minimal_record_of_6_1_is_valid():
    result = validate_dossier(MINIMAL)

    assert result.is_valid
    assert result.errors == []
    assert result.normalized == {
        "nom_apprenant": "LEFEBVRE",
        "prenom_apprenant": "Camille",
        "date_de_naissance_apprenant": utc(2007, 5, 21),
        "annee_scolaire": "2025-2026",
        "id_erp_apprenant": "GESTI-2025-00042",
        "formation_rncp": "RNCP34670",
        "duree_theorique_formation_mois": 24,
        "date_inscription_formation": utc(2025, 6, 20),
        "date_entree_formation": utc(2025, 9, 8),
        "date_fin_formation": utc(2027, 7, 2),
        "etablissement_responsable_uai": "0755805C",
        "etablissement_responsable_siret": "77568013501139",
        "etablissement_formateur_uai": "0802004U",
        "etablissement_formateur_siret": "77937827200016",
        "formation_cfd": "50033616",
        "has_nir": False,
        "duree_theorique_formation": None,
    }
    assert result.stored == {**MINIMAL, "has_nir": False}


def test_full_record_of_6_2_is_read_as_the_server_reads_it():
    result = validate_dossier(copy.deepcopy(FULL))

    assert result.errors == []
    normalized = result.normalized
    assert normalized["nom_apprenant"] == "MOREAU"
    assert normalized["tel_apprenant"] == "0612345678"
    assert normalized["siret_employeur"] == "12345678901234"
    assert normalized["siret_employeur_2"] == "98765432100017"
    assert normalized["statut_apprenant"] == 3
    assert normalized["date_metier_mise_a_jour_statut"] == utc(2025, 11, 17, 9, 12)
    assert normalized["date_de_naissance_apprenant"] == utc(2005, 11, 3)
    assert normalized["derniere_situation"] == 4001
    assert normalized["dernier_organisme_uai"] == "75"
    assert normalized["type_cfa"] == "04"
    assert normalized["sexe_apprenant"] == "M"
    assert normalized["annee_formation"] == 2
    assert normalized["rqth_apprenant"] is True
    assert normalized["has_nir"] is True
    assert "nir_apprenant" not in normalized
    # In the queue: stored raw, with has_nir and without the NIR.
    assert result.stored == {**{k: v for k, v in FULL.items() if k != "nir_apprenant"}, "has_nir": True}
    assert result.stored["siret_employeur"] == "123 456 789 01234"
    assert result.stored["date_de_naissance_apprenant"] == "2005-11-03T00:00:00.000Z"
    assert coherence_errors(normalized) == []


def test_abandon_record_of_6_3_is_read_as_the_server_reads_it():
    result = validate_dossier(ABANDON)

    assert result.errors == []
    normalized = result.normalized
    assert normalized["annee_scolaire"] == "2025-2026"
    assert normalized["statut_apprenant"] == 0
    assert normalized["sexe_apprenant"] == "F"
    assert normalized["formation_rncp"] == "RNCP34670"
    assert normalized["etablissement_formateur_uai"] == "0802004U"
    assert normalized["etablissement_formateur_siret"] == "77937827200016"
    assert normalized["id_erp_apprenant"] == "120045"
    assert normalized["date_exclusion_formation"] == utc(2025, 12, 1)
    assert "contrat_date_fin" not in normalized
    assert result.stored["annee_scolaire"] == "2025/2026"
    assert result.stored["id_erp_apprenant"] == 120045
    assert coherence_errors(normalized) == []


def test_sample_valid_item_of_1_4_drops_nir_unknown_keys_and_nulls():
    result = validate_dossier(SAMPLE_VALID)

    assert result.errors == []
    assert result.stored["has_nir"] is True
    for key in ("nir_apprenant", "champ_inconnu", "tel_apprenant"):
        assert key not in result.stored
        assert key not in result.normalized
    assert result.stored["formation_rncp"] == "37475"  # raw, normalised again by the worker
    assert result.normalized["formation_rncp"] == "RNCP37475"
    # The stored copy follows the reference's declaration order, as in the sample answer.
    assert list(result.stored) == [
        *("nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "annee_scolaire", "statut_apprenant"),
        *("date_metier_mise_a_jour_statut", "id_erp_apprenant", "formation_rncp", "date_inscription_formation"),
        *("date_entree_formation", "date_fin_formation", "etablissement_responsable_uai"),
        *("etablissement_responsable_siret", "etablissement_formateur_uai", "etablissement_formateur_siret"),
        "has_nir",
    ]


def test_sample_invalid_item_of_1_4_has_the_exact_errors_in_the_reference_order():
    result = validate_dossier(SAMPLE_INVALID)

    assert not result.is_valid
    assert result.errors == [
        {"message": "Date invalide", "path": ["date_de_naissance_apprenant"], "code": "date_invalide"},
        {"message": ANNEE_SCOLAIRE_MESSAGE, "path": ["annee_scolaire"], "code": "annee_scolaire_invalide"},
        {"message": "Email non valide", "path": ["email_contact"], "code": "email_invalide"},
        {"message": "UAI invalide", "path": ["etablissement_formateur_uai"], "code": "uai_invalide"},
    ]
    assert result.stored["has_nir"] is False
    assert result.stored["id_erp_apprenant"] == 42
    assert result.stored["email_contact"] == ""


def test_a_random_valid_dossier_with_an_unknown_key_is_valid():
    # V3-1: unknown keys are not an error.
    result = validate_dossier({**MINIMAL, "bidule": "blabla"})

    assert result.is_valid
    assert "bidule" not in result.stored
    assert "bidule" not in result.normalized


def test_the_item_is_not_modified():
    item = copy.deepcopy(FULL)
    item["tel_apprenant"] = None

    validate_dossier(item)

    assert item == {**FULL, "tel_apprenant": None}


# --- Error order, missing fields, nulls, unknown keys ----------------------------------------------------------------


def test_errors_follow_the_declaration_order_of_the_reference_schema():
    item = dict.fromkeys(SCHEMA_ORDER, "\x00")
    item["nir_apprenant"] = "x"

    result = validate_dossier(item)

    paths = [error["path"][0] for error in result.errors]
    assert paths == sorted(paths, key=SCHEMA_ORDER.index)
    # Not the order of the spec's field table: annee_scolaire comes before email_contact (§1.4 sample).
    assert paths.index("annee_scolaire") < paths.index("email_contact")


def test_every_required_field_missing():
    result = validate_dossier({})

    assert result.errors == [
        {"message": "String attendu", "path": ["nom_apprenant"], "code": "champ_obligatoire"},
        {"message": "String attendu", "path": ["prenom_apprenant"], "code": "champ_obligatoire"},
        {"message": "Champ obligatoire", "path": ["date_de_naissance_apprenant"], "code": "champ_obligatoire"},
        {"message": "String attendu", "path": ["annee_scolaire"], "code": "champ_obligatoire"},
        {"message": "String attendu", "path": ["id_erp_apprenant"], "code": "champ_obligatoire"},
        {"message": "Champ obligatoire", "path": ["date_inscription_formation"], "code": "champ_obligatoire"},
        {"message": "Champ obligatoire", "path": ["date_entree_formation"], "code": "champ_obligatoire"},
        {"message": "Champ obligatoire", "path": ["date_fin_formation"], "code": "champ_obligatoire"},
        {"message": "String attendu", "path": ["etablissement_responsable_uai"], "code": "champ_obligatoire"},
        {"message": "String attendu", "path": ["etablissement_responsable_siret"], "code": "champ_obligatoire"},
        {"message": "String attendu", "path": ["etablissement_formateur_uai"], "code": "champ_obligatoire"},
        {"message": "String attendu", "path": ["etablissement_formateur_siret"], "code": "champ_obligatoire"},
    ]
    assert result.stored == {"has_nir": False}
    assert result.normalized == {
        "has_nir": False,
        "duree_theorique_formation": None,
        "duree_theorique_formation_mois": None,
    }


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
def test_null_on_a_required_field_is_the_missing_error(field):
    result = validate_dossier({**MINIMAL, field: None})

    assert [(e["path"], e["code"]) for e in result.errors] == [([field], "champ_obligatoire")]
    assert field not in result.stored


@pytest.mark.parametrize(
    "field", ["tel_apprenant", "email_contact", "formation_cfd", "statut_apprenant", "sexe_apprenant"]
)
def test_null_on_an_optional_field_means_absent(field):
    result = validate_dossier({**MINIMAL, field: None})

    assert result.is_valid
    assert field not in result.stored
    assert field not in result.normalized


def test_empty_string_is_not_null():
    # §7 item 5: "" breaks e-mails, postal codes, RNCP and CFD, and means null for phones.
    result = validate_dossier(
        {**MINIMAL, "email_contact": "", "code_postal_apprenant": "", "formation_rncp": "", "formation_cfd": ""}
        | {"tel_apprenant": "", "id_erp_apprenant": ""}
    )

    assert [e["code"] for e in result.errors] == [
        "email_invalide",
        "rncp_invalide",
        "code_postal_invalide",
        "cfd_invalide",
    ]
    assert result.normalized["tel_apprenant"] is None
    assert result.normalized["id_erp_apprenant"] == ""


def test_nulls_count_as_absent_without_stripping_them_first():
    # The API validates the records as parsed: every null, on any key of the schema, must give what strip_nulls
    # then validation gives (stored copy, normalised values, errors, changed names).
    for base in (MINIMAL, FULL, SAMPLE_VALID, {**MINIMAL, "date_entree_formation": "hier"}):
        item = {**base, **dict.fromkeys(key for key in SCHEMA_ORDER if key not in base)} | {"has_nir": None}
        direct, stripped = validate_dossier(item), validate_dossier(strip_nulls(item))

        assert direct.stored == stripped.stored and list(direct.stored) == list(stripped.stored)
        assert direct.normalized == stripped.normalized
        assert direct.errors == stripped.errors
        assert list(direct.changed) == list(stripped.changed)


def test_strip_nulls_is_shallow_and_keeps_empty_strings():
    item = {"a": None, "b": "", "c": {"d": None}, "e": [None], "f": 0, "g": False}

    assert strip_nulls(item) == {"b": "", "c": {"d": None}, "e": [None], "f": 0, "g": False}


def test_unknown_and_reserved_keys_are_dropped():
    result = validate_dossier({**MINIMAL, "_id": "6788f0a1c2d3e4f5a6b7c8d9", "bidule": 1, "has_nir": True})

    assert result.is_valid
    for key in ("_id", "bidule"):
        assert key not in result.stored
        assert key not in result.normalized
    assert result.stored["has_nir"] is False  # a has_nir sent by the client is ignored


@pytest.mark.parametrize("item", [[], [MINIMAL], "dossier", 42, None, True])
def test_an_item_that_is_not_an_object_gets_a_single_error(item):
    result = validate_dossier(item)

    assert result.errors == [
        {"message": "Le dossier apprenant doit être un objet JSON", "path": [], "code": "enregistrement_invalide"}
    ]
    assert result.stored == {"has_nir": False}


def test_validation_of_a_json_document_as_json_loads_gives_it():
    item = json.loads(json.dumps(FULL).replace('"annee_formation": 2', '"annee_formation": 2.0'))

    result = validate_dossier(item)

    assert result.is_valid
    assert result.normalized["annee_formation"] == 2
    assert type(result.normalized["annee_formation"]) is int


# --- Server-set fields ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["v1", "v2", "v3", ""])
def test_api_version_accepted_values_are_stored_raw(value):
    result = validate_dossier({**MINIMAL, "api_version": value})

    assert result.is_valid
    assert result.stored["api_version"] == value
    assert "api_version" not in result.normalized


@pytest.mark.parametrize("value", ["v4", "V3", 3, True, []])
def test_api_version_is_checked_before_being_overwritten(value):
    result = validate_dossier({**MINIMAL, "api_version": value})

    assert result.errors == [{"message": "Invalid input", "path": ["api_version"], "code": "api_version_invalide"}]


@pytest.mark.parametrize(
    ("value", "message", "code"),
    [
        ("", "String must contain at least 1 character(s)", "longueur_minimale"),
        (12, "String attendu", "type_invalide"),
    ],
)
def test_source_organisme_id_is_checked_before_being_overwritten(value, message, code):
    result = validate_dossier({**MINIMAL, "source_organisme_id": value})

    assert result.errors == [{"message": message, "path": ["source_organisme_id"], "code": code}]


def test_source_sent_by_the_client_is_never_an_error():
    result = validate_dossier({**MINIMAL, "source": 12, "source_organisme_id": "665f1c2ab3e4d5f6a7b8c9d0"})

    assert result.is_valid
    assert result.stored["source"] == 12
    assert "source" not in result.normalized


# --- NIR (§1.4 step B.4, §3.11) ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nir", "has_nir"),
    [
        ("1 05 11 75 056 123 45", True),
        ("1051175056123", True),
        ("105117505612345678", True),  # any length: the NIR is not validated
        ("", False),
        (None, False),
        (0, False),
        (123, True),
        (False, False),
        (True, True),
        # Truthiness of the raw value, as the queue copy stores it (zod's own transform would say false here).
        (" - ", True),
    ],
)
def test_has_nir_is_the_truthiness_of_the_raw_nir(nir, has_nir):
    result = validate_dossier({**MINIMAL, "nir_apprenant": nir})

    assert result.is_valid
    assert result.stored["has_nir"] is has_nir
    assert result.normalized["has_nir"] is has_nir


def test_the_nir_is_never_stored_nor_normalised():
    nir = "1 05 11 75 056 123 45"

    result = validate_dossier({**FULL, "nir_apprenant": nir})

    assert "nir_apprenant" not in result.stored
    assert "nir_apprenant" not in result.normalized
    assert nir not in repr(result)
    assert "1051175056" not in repr(result)


def test_has_nir_without_nir_is_false():
    assert validate_dossier(MINIMAL).stored["has_nir"] is False


# --- Excel upload variant (§2.6) -----------------------------------------------------------------------------------


def test_upload_variant_requires_what_sifa_needs():
    result = validate_dossier(MINIMAL, strict_upload=True)

    assert result.errors == [
        {"message": "String attendu", "path": ["email_contact"], "code": "champ_obligatoire"},
        {"message": "Number attendu", "path": ["annee_formation"], "code": "champ_obligatoire"},
        {"message": "String attendu", "path": ["adresse_apprenant"], "code": "champ_obligatoire"},
        {"message": "String attendu", "path": ["code_postal_apprenant"], "code": "champ_obligatoire"},
        {"message": "M, H ou F attendu", "path": ["sexe_apprenant"], "code": "champ_obligatoire"},
    ]


def test_upload_variant_accepts_the_full_record():
    result = validate_dossier(FULL, strict_upload=True)

    assert result.is_valid
    assert result.stored["has_nir"] is True
    assert "nir_apprenant" not in result.stored


def test_upload_variant_keeps_the_format_checks_of_the_extra_required_fields():
    item = {**FULL, "email_contact": "pas un email", "code_postal_apprenant": 0, "sexe_apprenant": "X"}

    result = validate_dossier(item, strict_upload=True)

    assert messages(result) == [
        ("Email non valide", ["email_contact"]),
        ("String attendu", ["code_postal_apprenant"]),
        ("M, H ou F attendu", ["sexe_apprenant"]),
    ]


def test_upload_variant_does_not_check_server_fields_but_checks_has_nir():
    item = {**FULL, "api_version": "v9", "source_organisme_id": "", "has_nir": "oui"}

    result = validate_dossier(item, strict_upload=True)

    assert result.errors == [{"message": "Boolean attendu", "path": ["has_nir"], "code": "type_invalide"}]
    assert result.stored["api_version"] == "v9"
    assert result.stored["has_nir"] is True


def test_upload_variant_flags_unknown_establishments():
    unknown_uais, unknown_sirets = {"0802004U"}, {"77568013501139"}

    result = validate_dossier(FULL, strict_upload=True, unknown_uais=unknown_uais, unknown_sirets=unknown_sirets)

    assert result.errors == [
        {"message": "Siret non valide", "path": ["etablissement_responsable_siret"], "code": "siret_inconnu"},
        {"message": "UAI non valide", "path": ["etablissement_formateur_uai"], "code": "uai_inconnue"},
    ]


def test_upload_lookup_compares_the_normalised_value_with_the_raw_values_found_unknown():
    # The reference collects raw values but refines the normalised one: " 0802004u " looked up as sent is unknown,
    # yet "0802004U" is not in the list, so the record passes.
    item = {**FULL, "etablissement_formateur_uai": " 0802004u ", "etablissement_formateur_siret": "779 378 272 00016"}
    uais, sirets = collect_establishment_identifiers([item])

    unknown_uais, unknown_sirets = {" 0802004u "}, {"779 378 272 00016"}

    result = validate_dossier(item, strict_upload=True, unknown_uais=unknown_uais, unknown_sirets=unknown_sirets)

    assert uais == {"0755805C", " 0802004u "}
    assert sirets == {"77568013501139", "779 378 272 00016"}
    assert result.is_valid


def test_upload_lookup_runs_after_a_format_error_too():
    item = {**FULL, "etablissement_formateur_uai": "0802004", "etablissement_formateur_siret": "7793782720001"}

    result = validate_dossier(item, strict_upload=True, unknown_uais={"0802004"}, unknown_sirets={"7793782720001"})

    assert result.errors == [
        {"message": "UAI invalide", "path": ["etablissement_formateur_uai"], "code": "uai_invalide"},
        {"message": "UAI non valide", "path": ["etablissement_formateur_uai"], "code": "uai_inconnue"},
        {
            "message": "Siret invalide. Format attendu : 14 chiffres",
            "path": ["etablissement_formateur_siret"],
            "code": "siret_invalide",
        },
        {"message": "Siret non valide", "path": ["etablissement_formateur_siret"], "code": "siret_inconnu"},
    ]


def test_upload_lookup_is_skipped_after_a_type_error():
    item = {**FULL, "etablissement_formateur_uai": 802004}

    result = validate_dossier(item, strict_upload=True, unknown_uais={"802004"}, unknown_sirets={"x"})

    assert result.errors == [
        {"message": "String attendu", "path": ["etablissement_formateur_uai"], "code": "type_invalide"}
    ]


def test_upload_lookup_does_not_apply_to_the_lieu_de_formation_nor_to_the_api():
    item = {**FULL, "etablissement_lieu_de_formation_uai": "0000001A"}

    assert validate_dossier(item, strict_upload=True, unknown_uais={"0000001A"}, unknown_sirets=()).is_valid
    assert validate_dossier(FULL, unknown_uais={"0802004U"}, unknown_sirets=()).is_valid


def test_upload_lookup_plan_is_rebuilt_for_each_batch():
    first = validate_dossier(FULL, strict_upload=True, unknown_uais={"0802004U"}, unknown_sirets=())
    second = validate_dossier(FULL, strict_upload=True, unknown_uais={"0755805C"}, unknown_sirets=())

    assert [e["path"] for e in first.errors] == [["etablissement_formateur_uai"]]
    assert [e["path"] for e in second.errors] == [["etablissement_responsable_uai"]]


def test_collect_establishment_identifiers_keeps_distinct_raw_strings_of_responsables_and_formateurs():
    items = [
        FULL,
        {**MINIMAL, "etablissement_formateur_siret": 77937827200016, "etablissement_formateur_uai": "0802004u"},
        "pas un objet",
        {"etablissement_lieu_de_formation_uai": "1111111A"},
    ]

    uais, sirets = collect_establishment_identifiers(items)

    assert uais == {"0755805C", "0802004U", "0802004u"}
    assert sirets == {"77568013501139", "77937827200016"}


def test_count_without_contract():
    items = [MINIMAL, FULL, {**MINIMAL, "contrat_date_debut_3": "2025-01-01"}, {**MINIMAL, "contrat_date_debut": ""}]

    assert count_without_contract(items) == 2


# --- Worker checks (§2.5) ------------------------------------------------------------------------------------------


def test_organisme_not_found_errors():
    assert organisme_not_found_errors(formateur_found=False, responsable_found=False) == [
        {
            "message": "organisme formateur non trouvé",
            "path": ["etablissement_formateur_uai", "etablissement_formateur_siret"],
            "code": "organisme_formateur_non_trouve",
        },
        {
            "message": "organisme responsable non trouvé",
            "path": ["etablissement_responsable_uai", "etablissement_responsable_siret"],
            "code": "organisme_responsable_non_trouve",
        },
    ]
    assert organisme_not_found_errors(formateur_found=True, responsable_found=True) == []
    assert [e["code"] for e in organisme_not_found_errors(formateur_found=True, responsable_found=False)] == [
        "organisme_responsable_non_trouve"
    ]


def test_organisme_errors_are_fresh_dicts_for_the_worker():
    first = organisme_formateur_non_trouve()
    first["path"].append("x")

    assert organisme_formateur_non_trouve()["path"] == ["etablissement_formateur_uai", "etablissement_formateur_siret"]
    assert organisme_responsable_non_trouve() == {
        "message": "organisme responsable non trouvé",
        "path": ["etablissement_responsable_uai", "etablissement_responsable_siret"],
        "code": "organisme_responsable_non_trouve",
    }


def test_contract_end_without_start_gives_the_two_messages():
    normalized = validate_dossier({**MINIMAL, "contrat_date_fin": "2026-06-30"}).normalized

    assert coherence_errors(normalized) == [
        {
            "message": "Information de contrat incomplète : contrat_date_debut manquant mais ce champ est renseigné",
            "path": ["contrat_date_fin"],
            "code": "contrat_incomplet",
        },
        {
            "message": "Information de contrat incomplète : contrat_date_fin, cause_rupture_contrat ou "
            "contrat_date_rupture nécessite la présence de contrat_date_debut",
            "path": ["contrat_date_debut"],
            "code": "contrat_incomplet",
        },
    ]


@pytest.mark.parametrize("suffix", ["_2", "_3", "_4"])
def test_contract_completeness_for_each_suffix_lists_the_fields_present_in_order(suffix):
    item = {
        **MINIMAL,
        f"contrat_date_rupture{suffix}": "2025-03-14",
        f"cause_rupture_contrat{suffix}": "démission",
        f"contrat_date_fin{suffix}": "2026-06-30",
    }

    errors = coherence_errors(validate_dossier(item).normalized)

    assert errors[0]["message"] == (
        f"Information de contrat incomplète : contrat_date_debut{suffix} manquant mais ce champ est renseigné"
    )
    assert errors[0]["path"] == [
        f"contrat_date_fin{suffix}",
        f"cause_rupture_contrat{suffix}",
        f"contrat_date_rupture{suffix}",
    ]
    assert errors[1]["message"] == (
        f"Information de contrat incomplète : contrat_date_fin{suffix}, cause_rupture_contrat{suffix} ou "
        f"contrat_date_rupture{suffix} nécessite la présence de contrat_date_debut{suffix}"
    )
    assert errors[1]["path"] == [f"contrat_date_debut{suffix}"]


def test_contract_completeness_ignores_an_empty_cause_and_complete_contracts():
    assert coherence_errors(validate_dossier({**MINIMAL, "cause_rupture_contrat": ""}).normalized) == []
    assert coherence_errors(validate_dossier(FULL).normalized) == []
    cause_only = validate_dossier({**MINIMAL, "cause_rupture_contrat_2": "démission"}).normalized
    assert [e["path"] for e in coherence_errors(cause_only)] == [["cause_rupture_contrat_2"], ["contrat_date_debut_2"]]


def test_training_end_before_entry():
    normalized = validate_dossier({**MINIMAL, "date_fin_formation": "2025-09-07"}).normalized

    assert coherence_errors(normalized) == [
        {
            "message": "La date de fin de formation doit être supérieure à la date d'entrée en formation",
            "path": ["date_fin_formation"],
            "code": "dates_formation_incoherentes",
        }
    ]
    # Only evaluated when both organismes were found (§3.3).
    assert coherence_errors(normalized, organismes_found=False) == []


def test_training_end_equal_to_entry_is_fine():
    normalized = validate_dossier({**MINIMAL, "date_fin_formation": "2025-09-08T00:00:00Z"}).normalized

    assert coherence_errors(normalized) == []


def test_contract_errors_come_before_the_date_order_error():
    item = {**MINIMAL, "contrat_date_fin_4": "2026-06-30", "date_fin_formation": "2024-01-01"}

    codes = [e["code"] for e in coherence_errors(validate_dossier(item).normalized)]

    assert codes == ["contrat_incomplet", "contrat_incomplet", "dates_formation_incoherentes"]


def test_make_error_shape():
    assert make_error("m", ("a", "b"), "c") == {"message": "m", "path": ["a", "b"], "code": "c"}


# --- Rule codes and field lists ------------------------------------------------------------------------------------


def test_every_code_emitted_by_the_module_is_in_the_table():
    fails = [value for value in vars(validation).values() if isinstance(value, validation._Fail)]
    issues = [value for name, value in vars(validation).items() if name.startswith("_ISSUE_")]
    codes = {code for fail in fails for _, code in fail.issues} | {code for _, code in issues}
    codes |= {"champ_obligatoire", "enregistrement_invalide", "type_cfa_invalide"}
    codes |= {"organisme_formateur_non_trouve", "organisme_responsable_non_trouve"}
    codes |= {"contrat_incomplet", "dates_formation_incoherentes"}

    assert codes == set(ERROR_CODES)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in ERROR_CODES)


def test_every_code_is_documented_for_erp_vendors():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "codes-erreur.md").read_text(encoding="utf-8")

    documented = set(re.findall(r"^\| `([a-z_]+)` \|", doc, flags=re.MULTILINE))

    assert documented == set(ERROR_CODES)


def test_field_lists():
    assert len(FIELDS) == len(set(FIELDS)) == 73
    assert set(FIELDS) == set(SCHEMA_ORDER)
    assert FIELDS[-3:] == SERVER_FIELDS
    assert set(DOCUMENTED_FIELDS) == set(FIELDS) - set(SERVER_FIELDS)
    assert FIELDS[:6] == (
        "nom_apprenant",
        "prenom_apprenant",
        "date_de_naissance_apprenant",
        "id_erp_apprenant",
        "ine_apprenant",
        "nir_apprenant",
    )
    assert (
        *("nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "annee_scolaire", "id_erp_apprenant"),
        *("date_inscription_formation", "date_entree_formation", "date_fin_formation"),
        *("etablissement_responsable_uai", "etablissement_responsable_siret"),
        *("etablissement_formateur_uai", "etablissement_formateur_siret"),
    ) == REQUIRED_FIELDS
    assert set(UPLOAD_REQUIRED_FIELDS) - set(REQUIRED_FIELDS) == {
        "email_contact",
        "adresse_apprenant",
        "code_postal_apprenant",
        "sexe_apprenant",
        "annee_formation",
    }
    assert len(DATE_FIELDS) == 20
    assert set(DATE_FIELDS) | set(BOOLEAN_FIELDS) | set(SILENTLY_NULLED_FIELDS) <= set(FIELDS)
    assert len(validation.DERNIERE_SITUATION_CODES) == 65
