"""transmissions.validation: accepted and rejected forms of every field (spec api-v3.md §2.2-§2.4, §5.16).

Each case changes one field of the minimal valid record of §6.1. Expected values were checked against the
reference's zod schema run under Node.js. Dates and telephones have their own test modules.
"""

import math

import pytest

from transmissions.validation import validate_dossier

MINIMAL = {
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
}

STRING = ("String attendu", "type_invalide")
ANNEE_SCOLAIRE = (
    "Format invalide (format attendu : 2023-2024). Les années doivent être consécutives ou identiques"
    " (ex : 2023-2024 ou 2023-2023)",
    "annee_scolaire_invalide",
)
TYPE_CFA_EXPECTED = "'01' | '02' | '03' | '04' | '05' | '06' | '07' | '08' | '09' | '10'"


def type_cfa_enum(received):
    return (f"Invalid enum value. Expected {TYPE_CFA_EXPECTED}, received '{received}'", "type_cfa_invalide")


ACCEPTED = [
    # nom / prénom: trimmed, the nom upper-cased
    ("nom_apprenant", "  Moreau ", "MOREAU"),
    ("nom_apprenant", "Lenôtre", "LENÔTRE"),
    ("nom_apprenant", "\ufeffDurand\u00a0", "DURAND"),  # JavaScript's trim() also removes these
    ("prenom_apprenant", " Léa ", "Léa"),
    ("prenom_apprenant", "jean-marc", "jean-marc"),
    # id_erp_apprenant: a truthy value becomes a string; "" is accepted
    ("id_erp_apprenant", 42, "42"),
    ("id_erp_apprenant", 120045.0, "120045"),
    ("id_erp_apprenant", 1.5, "1.5"),
    ("id_erp_apprenant", True, "true"),
    ("id_erp_apprenant", " YP-1 ", "YP-1"),
    ("id_erp_apprenant", "", ""),
    ("id_erp_apprenant", 12345678901234567890, "12345678901234567000"),  # JavaScript's number precision
    # ine_apprenant: no format check
    ("ine_apprenant", "1234567890a", "1234567890A"),
    ("ine_apprenant", "", ""),
    ("ine_apprenant", True, "TRUE"),
    ("ine_apprenant", 123, "123"),
    ("ine_apprenant", "n'importe quoi", "N'IMPORTE QUOI"),
    # sexe_apprenant
    ("sexe_apprenant", "M", "M"),
    ("sexe_apprenant", "H", "M"),
    ("sexe_apprenant", "F", "F"),
    ("sexe_apprenant", 1, "M"),
    ("sexe_apprenant", 2, "F"),
    ("sexe_apprenant", "1", "M"),
    ("sexe_apprenant", "2", "F"),
    ("sexe_apprenant", " F ", "F"),
    ("sexe_apprenant", 1.0, "M"),
    # booleans
    ("rqth_apprenant", True, True),
    ("rqth_apprenant", False, False),
    ("formation_presentielle", False, False),
    ("obtention_diplome_formation", True, True),
    # e-mails
    ("email_contact", " yanis.moreau@example.org ", "yanis.moreau@example.org"),
    ("email_contact", "A_b+c@x-y.Co", "A_b+c@x-y.Co"),
    ("email_contact", "o'brien@example.ie", "o'brien@example.ie"),
    ("responsable_apprenant_mail1", "parent1@example.org", "parent1@example.org"),
    ("responsable_apprenant_mail2", "\tparent2@example.org", "parent2@example.org"),
    ("email_referent_handicap_formation", "referent@example.org", "referent@example.org"),
    # adresses
    ("adresse_apprenant", " 12 rue des Lilas ", "12 rue des Lilas"),
    ("adresse_apprenant", "", ""),
    ("etablissement_lieu_de_formation_adresse", " 1 rue de la Paix", "1 rue de la Paix"),
    # postal codes: padded to 5 characters
    ("code_postal_apprenant", "75019", "75019"),
    ("code_postal_apprenant", 1000, "01000"),
    ("code_postal_apprenant", "1000", "01000"),
    ("code_postal_apprenant", " 75019 ", "75019"),
    ("code_postal_apprenant", 75019.0, "75019"),
    ("etablissement_lieu_de_formation_code_postal", "750", "00750"),
    # silently nulled: never an error
    ("code_postal_de_naissance_apprenant", "13001", "13001"),
    ("code_postal_de_naissance_apprenant", 1000, "01000"),
    ("code_postal_de_naissance_apprenant", "abc", None),
    ("code_postal_de_naissance_apprenant", "", None),
    ("code_postal_de_naissance_apprenant", "123456", None),
    ("code_postal_de_naissance_apprenant", False, None),
    ("siret_employeur", "123 456 7890 1234", "12345678901234"),
    ("siret_employeur", "779.378.272-00016", "77937827200016"),
    ("siret_employeur_2", 77937827200016, "77937827200016"),
    ("siret_employeur_3", "abc", None),
    ("siret_employeur_4", "", None),
    ("siret_employeur", 1234, None),
    ("etablissement_lieu_de_formation_siret", "77937827200016", "77937827200016"),
    ("etablissement_lieu_de_formation_siret", "7793782720001", None),
    ("duree_theorique_formation", 3, 3),
    ("duree_theorique_formation", "4", 4),
    ("duree_theorique_formation", 5, None),
    ("duree_theorique_formation", 0, None),
    ("duree_theorique_formation", "", None),
    ("duree_theorique_formation", "abc", None),
    ("duree_theorique_formation", 1.5, None),
    ("duree_theorique_formation_mois", 24, 24),
    ("duree_theorique_formation_mois", " 12 ", 12),
    ("duree_theorique_formation_mois", 48, 48),
    ("duree_theorique_formation_mois", 49, None),
    ("duree_theorique_formation_mois", "0x10", 16),  # Number("0x10") is 16 in JavaScript
    ("duree_theorique_formation_mois", True, 1),  # Number(true) is 1
    ("duree_theorique_formation_mois", math.inf, None),
    # INSEE codes: no upper-casing, no trimming
    ("code_commune_insee_apprenant", "75056", "75056"),
    ("code_commune_insee_apprenant", 75056, "75056"),
    ("code_commune_insee_apprenant", "2A004", "2A004"),
    ("code_commune_insee_de_naissance_apprenant", "2B033", "2B033"),
    # derniere_situation (C-1): 0 means none
    ("derniere_situation", 1009, 1009),
    ("derniere_situation", "1009", 1009),
    ("derniere_situation", "1003abc", 1003),
    ("derniere_situation", " 4001", 4001),
    ("derniere_situation", 1009.0, 1009),
    ("derniere_situation", 9999, 9999),
    ("derniere_situation", 0, None),
    ("derniere_situation", "0", None),
    # dernier_organisme_uai (C-2 valid list): case kept, not trimmed
    *(
        ("dernier_organisme_uai", value, value)
        for value in ["44", "044", "95", "095", "2B", "02B", "972", "986", "990", "991", "993", "995"]
    ),
    *(("dernier_organisme_uai", value, value) for value in ["0802004U", "4422672E", "0755805C", "0802004u"]),
    ("dernier_organisme_uai", 44, "44"),
    ("dernier_organisme_uai", 75.0, "75"),
    # type_cfa
    ("type_cfa", "04", "04"),
    ("type_cfa", "4", "04"),
    ("type_cfa", 4, "04"),
    ("type_cfa", 10, "10"),
    ("type_cfa", "01", "01"),
    # annee_scolaire
    ("annee_scolaire", "2024/2025", "2024-2025"),
    ("annee_scolaire", "2024 - 2025", "2024-2025"),
    ("annee_scolaire", "2024-2024", "2024-2024"),
    ("annee_scolaire", "\t2025-2026\u00a0", "2025-2026"),
    ("annee_scolaire", "1999-2000", "1999-2000"),
    # statut_apprenant
    ("statut_apprenant", 0, 0),
    ("statut_apprenant", 2, 2),
    ("statut_apprenant", 3, 3),
    ("statut_apprenant", "0", 0),
    ("statut_apprenant", " 2", 2),
    ("statut_apprenant", "3abc", 3),
    ("statut_apprenant", "-0", 0),
    ("statut_apprenant", 2.0, 2),
    # custom_statut_apprenant: anything, converted to a string
    ("custom_statut_apprenant", 12, "12"),
    ("custom_statut_apprenant", "Apprenti - 2e contrat", "Apprenti - 2e contrat"),
    ("custom_statut_apprenant", True, "true"),
    ("custom_statut_apprenant", [1, 2], "1,2"),
    ("custom_statut_apprenant", {"a": 1}, "[object Object]"),
    ("custom_statut_apprenant", 1e21, "1e+21"),
    ("custom_statut_apprenant", 0.0000001, "1e-7"),
    ("custom_statut_apprenant", 0.000001, "0.000001"),
    # formation_cfd
    ("formation_cfd", "50033616", "50033616"),
    ("formation_cfd", 50022141, "50022141"),
    ("formation_cfd", " 5003361a ", "5003361A"),
    # formation_rncp
    ("formation_rncp", "RNCP34670", "RNCP34670"),
    ("formation_rncp", "rncp 35-316", "RNCP35316"),
    ("formation_rncp", 35316, "RNCP35316"),
    ("formation_rncp", "  34-670  ", "RNCP34670"),
    ("formation_rncp", "RNCP 5364", "RNCP5364"),
    ("formation_rncp", "34.670", "RNCP34670"),
    ("formation_rncp", "12", "RNCP12"),
    # libelle_court_formation
    ("libelle_court_formation", "CAP COIFFURE", "CAP COIFFURE"),
    ("libelle_court_formation", " ab ", "ab"),
    ("libelle_court_formation", "😀", "😀"),  # zod counts UTF-16 code units: 2
    # annee_formation
    ("annee_formation", 0, 0),
    ("annee_formation", 2, 2),
    ("annee_formation", "2", 2),
    ("annee_formation", 5, 5),
    ("annee_formation", 3.0, 3),
    ("annee_formation", " 3 ", 3),
    ("annee_formation", True, 1),  # Number(true) is 1
    # free texts, never trimmed
    ("cause_exclusion_formation", " absences répétées ", " absences répétées "),
    ("cause_rupture_contrat", "démission", "démission"),
    ("cause_rupture_contrat_4", "", ""),
    ("nom_referent_handicap_formation", "Bernard", "Bernard"),
    ("prenom_referent_handicap_formation", "", ""),
    # establishments
    ("etablissement_responsable_uai", " 0802004u ", "0802004U"),
    ("etablissement_formateur_uai", "0802004u", "0802004U"),
    ("etablissement_lieu_de_formation_uai", "0802004U", "0802004U"),
    ("etablissement_responsable_siret", "779.378.272.00016", "77937827200016"),
    ("etablissement_formateur_siret", 77937827200016, "77937827200016"),
    ("etablissement_formateur_siret", "779 378 272 00016", "77937827200016"),
    ("etablissement_formateur_siret", "779-378-272-00016", "77937827200016"),
]


@pytest.mark.parametrize(("field", "value", "expected"), ACCEPTED)
def test_accepted(field, value, expected):
    result = validate_dossier({**MINIMAL, field: value})

    assert result.errors == []
    assert result.normalized[field] == expected
    assert type(result.normalized[field]) is type(expected)
    assert result.stored[field] is value  # the stored copy keeps the raw value


REJECTED = [
    ("nom_apprenant", 42, [STRING]),
    ("nom_apprenant", True, [STRING]),
    ("nom_apprenant", "   ", [("String must contain at least 1 character(s)", "longueur_minimale")]),
    ("nom_apprenant", "", [("String must contain at least 1 character(s)", "longueur_minimale")]),
    ("prenom_apprenant", ["Léa"], [STRING]),
    ("prenom_apprenant", "\u2028", [("String must contain at least 1 character(s)", "longueur_minimale")]),
    ("id_erp_apprenant", 0, [STRING]),
    ("id_erp_apprenant", False, [STRING]),
    ("id_erp_apprenant", math.nan, [STRING]),
    ("ine_apprenant", False, [STRING]),
    ("ine_apprenant", 0, [STRING]),
    *(
        ("sexe_apprenant", value, [("M, H ou F attendu", "sexe_invalide")])
        for value in ["m", "Homme", "HH", "12", True, "", 3, "h", [1]]
    ),
    *(
        (field, value, [("Boolean attendu", "type_invalide")])
        for field in ("rqth_apprenant", "formation_presentielle", "obtention_diplome_formation")
        for value in ("true", 1, 0, "oui")
    ),
    ("email_contact", "", [("Email non valide", "email_invalide")]),
    ("email_contact", "a@b", [("Email non valide", "email_invalide")]),
    ("email_contact", "a..b@example.org", [("Email non valide", "email_invalide")]),
    ("email_contact", ".a@example.org", [("Email non valide", "email_invalide")]),
    ("email_contact", "a.@example.org", [("Email non valide", "email_invalide")]),
    ("email_contact", "a@example.c", [("Email non valide", "email_invalide")]),
    ("email_contact", "élève@example.org", [("Email non valide", "email_invalide")]),
    ("email_contact", 42, [STRING]),
    ("responsable_apprenant_mail1", "parent1", [("Email non valide", "email_invalide")]),
    ("responsable_apprenant_mail2", "parent2@", [("Email non valide", "email_invalide")]),
    ("email_referent_handicap_formation", " referent@example.org", [("Email non valide", "email_invalide")]),
    ("email_referent_handicap_formation", "referent@example.org\n", [("Email non valide", "email_invalide")]),
    ("adresse_apprenant", 12, [STRING]),
    ("etablissement_lieu_de_formation_adresse", ["1 rue"], [STRING]),
    (
        "code_postal_apprenant",
        "",
        [("Le code postal doit faire 5 caractères numériques exactement", "code_postal_invalide")],
    ),
    (
        "code_postal_apprenant",
        "123456",
        [("Le code postal doit faire 5 caractères numériques exactement", "code_postal_invalide")],
    ),
    (
        "code_postal_apprenant",
        "7501A",
        [("Le code postal doit faire 5 caractères numériques exactement", "code_postal_invalide")],
    ),
    ("code_postal_apprenant", 0, [STRING]),
    ("code_postal_apprenant", False, [STRING]),
    (
        "etablissement_lieu_de_formation_code_postal",
        "",
        [("Le code postal doit faire 5 caractères numériques exactement", "code_postal_invalide")],
    ),
    ("code_commune_insee_apprenant", "2a004", [("Format invalide", "code_insee_invalide")]),
    ("code_commune_insee_apprenant", "", [("Format invalide", "code_insee_invalide")]),
    ("code_commune_insee_apprenant", " 75056", [("Format invalide", "code_insee_invalide")]),
    ("code_commune_insee_apprenant", 1001, [("Format invalide", "code_insee_invalide")]),
    ("code_commune_insee_de_naissance_apprenant", "7505", [("Format invalide", "code_insee_invalide")]),
    ("code_commune_insee_de_naissance_apprenant", 0, [STRING]),
    # C-1
    *(
        ("derniere_situation", value, [("Invalid input", "derniere_situation_invalide")])
        for value in ["word", "1234word", 1234, 99837273, 1, True, 1009.5, "", 1013, [1009]]
    ),
    # C-2
    *(
        ("dernier_organisme_uai", value, [("UAI ou département", "dernier_organisme_uai_invalide")])
        for value in ["123", "ABC", "97Z", "9865", "9900", "99123", "ABCD", "1234567890", "0X0X0X", "2a", " 44", True]
    ),
    ("type_cfa", "11", [type_cfa_enum("11")]),
    ("type_cfa", "", [type_cfa_enum("00")]),
    ("type_cfa", 4.5, [type_cfa_enum("4.5")]),
    ("type_cfa", "4 ", [type_cfa_enum("4 ")]),
    ("type_cfa", 0, [type_cfa_enum("00")]),
    ("type_cfa", True, [(f"{TYPE_CFA_EXPECTED} attendu", "type_cfa_invalide")]),
    ("annee_scolaire", "2024-2026", [ANNEE_SCOLAIRE]),
    ("annee_scolaire", "2026-2025", [ANNEE_SCOLAIRE]),
    ("annee_scolaire", "2025-2027", [ANNEE_SCOLAIRE]),
    ("annee_scolaire", 2024, [ANNEE_SCOLAIRE]),
    ("annee_scolaire", "", [ANNEE_SCOLAIRE]),
    ("annee_scolaire", "3000-3001", [ANNEE_SCOLAIRE]),
    ("annee_scolaire", "2025--2026", [ANNEE_SCOLAIRE]),
    ("annee_scolaire", 0, [STRING]),
    ("annee_scolaire", False, [STRING]),
    *(
        ("statut_apprenant", value, [("Valeurs possibles: 0,2,3", "statut_invalide")])
        for value in [1, "1", "abc", "", True, 2.5, [2], 4]
    ),
    ("formation_cfd", "", [("Code CFD invalide", "cfd_invalide")]),
    ("formation_cfd", "5003361", [("Code CFD invalide", "cfd_invalide")]),
    ("formation_cfd", "500336160", [("Code CFD invalide", "cfd_invalide")]),
    ("formation_cfd", False, [("Code CFD invalide", "cfd_invalide")]),
    ("formation_rncp", "", [("Code RNCP invalide", "rncp_invalide")]),
    ("formation_rncp", "RNCP1", [("Code RNCP invalide", "rncp_invalide")]),
    ("formation_rncp", "RNCP123456", [("Code RNCP invalide", "rncp_invalide")]),
    ("formation_rncp", True, [("Code RNCP invalide", "rncp_invalide")]),
    ("formation_rncp", "RS5364", [("Code RNCP invalide", "rncp_invalide")]),
    ("libelle_court_formation", "C", [("String must contain at least 2 character(s)", "longueur_minimale")]),
    ("libelle_court_formation", " C ", [("String must contain at least 2 character(s)", "longueur_minimale")]),
    ("libelle_court_formation", 12, [STRING]),
    ("annee_formation", 6, [("Le chiffre doit être inférieur ou égal à 5", "annee_formation_invalide")]),
    ("annee_formation", "", [("Number attendu", "type_invalide")]),
    ("annee_formation", "abc", [("Number attendu", "type_invalide")]),
    ("annee_formation", False, [("Number attendu", "type_invalide")]),
    ("annee_formation", 1.5, [("Integer attendu", "annee_formation_invalide")]),
    ("annee_formation", -1, [("Number must be greater than or equal to 0", "annee_formation_invalide")]),
    # zod keeps every failed check of z.number().int().min(0).max(5)
    (
        "annee_formation",
        7.5,
        [
            ("Integer attendu", "annee_formation_invalide"),
            ("Le chiffre doit être inférieur ou égal à 5", "annee_formation_invalide"),
        ],
    ),
    (
        "annee_formation",
        "-Infinity",
        [
            ("Integer attendu", "annee_formation_invalide"),
            ("Number must be greater than or equal to 0", "annee_formation_invalide"),
        ],
    ),
    ("cause_exclusion_formation", 12, [STRING]),
    ("cause_rupture_contrat_2", False, [STRING]),
    ("nom_referent_handicap_formation", 1, [STRING]),
    ("prenom_referent_handicap_formation", [], [STRING]),
    ("etablissement_responsable_uai", "0802004", [("UAI invalide", "uai_invalide")]),
    ("etablissement_responsable_uai", "0802004U1", [("UAI invalide", "uai_invalide")]),
    ("etablissement_formateur_uai", 802004, [STRING]),
    ("etablissement_formateur_uai", "", [("UAI invalide", "uai_invalide")]),
    ("etablissement_lieu_de_formation_uai", "ABCDEFGH", [("UAI invalide", "uai_invalide")]),
    (
        "etablissement_responsable_siret",
        "7793782720001",
        [("Siret invalide. Format attendu : 14 chiffres", "siret_invalide")],
    ),
    ("etablissement_responsable_siret", "", [("Siret invalide. Format attendu : 14 chiffres", "siret_invalide")]),
    (
        "etablissement_formateur_siret",
        "7793782720001A",
        [("Siret invalide. Format attendu : 14 chiffres", "siret_invalide")],
    ),
    # A number loses its leading zeros: "01234567890123" sent as a number has 13 digits.
    (
        "etablissement_formateur_siret",
        1234567890123,
        [("Siret invalide. Format attendu : 14 chiffres", "siret_invalide")],
    ),
    ("etablissement_formateur_siret", 0, [STRING]),
    ("etablissement_formateur_siret", False, [STRING]),
]


@pytest.mark.parametrize(("field", "value", "expected"), REJECTED)
def test_rejected(field, value, expected):
    result = validate_dossier({**MINIMAL, field: value})

    assert [(e["message"], e["code"]) for e in result.errors] == expected
    assert all(e["path"] == [field] for e in result.errors)
    assert field not in result.normalized
    assert result.stored[field] is value  # raw, even when invalid
