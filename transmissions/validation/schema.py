"""The record's fields as data: names, the reference's key order, and the required, date, boolean and integer lists.

The documentation, the OpenAPI schema and the Excel template are built from these lists; the validation plans of
``transmissions.validation.dossier`` follow ``SCHEMA_ORDER``. Also the code sets of the enumerated fields.
"""

from __future__ import annotations

from transmissions.validation.errors import _TYPE_CFA_VALUES, PATH_ORGANISME_FORMATEUR, PATH_ORGANISME_RESPONSABLE

# ----------------------------------------------------------------------------------------------------------------
# Fields
# ----------------------------------------------------------------------------------------------------------------

CONTRACT_SUFFIXES = ("", "_2", "_3", "_4")
SERVER_FIELDS = ("api_version", "source", "source_organisme_id")

# Every key of the input schema in the order of the spec's field table (§2.3): documentation, OpenAPI, Excel.
FIELDS: tuple[str, ...] = (
    *("nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "id_erp_apprenant", "ine_apprenant"),
    *("nir_apprenant", "sexe_apprenant", "date_rqth_apprenant", "rqth_apprenant", "email_contact", "tel_apprenant"),
    *("adresse_apprenant", "code_postal_apprenant", "code_postal_de_naissance_apprenant"),
    *("code_commune_insee_apprenant", "code_commune_insee_de_naissance_apprenant"),
    *("responsable_apprenant_mail1", "responsable_apprenant_mail2", "derniere_situation", "dernier_organisme_uai"),
    *("type_cfa", "annee_scolaire", "statut_apprenant", "date_metier_mise_a_jour_statut", "custom_statut_apprenant"),
    *("date_inscription_formation", "date_entree_formation", "date_fin_formation", "formation_cfd", "formation_rncp"),
    *("libelle_court_formation", "annee_formation", "duree_theorique_formation", "duree_theorique_formation_mois"),
    *("formation_presentielle", "obtention_diplome_formation", "date_obtention_diplome_formation"),
    *("date_exclusion_formation", "cause_exclusion_formation", "nom_referent_handicap_formation"),
    *("prenom_referent_handicap_formation", "email_referent_handicap_formation"),
    *(f"contrat_date_debut{suffix}" for suffix in CONTRACT_SUFFIXES),
    *(f"contrat_date_fin{suffix}" for suffix in CONTRACT_SUFFIXES),
    *(f"contrat_date_rupture{suffix}" for suffix in CONTRACT_SUFFIXES),
    *(f"cause_rupture_contrat{suffix}" for suffix in CONTRACT_SUFFIXES),
    *(f"siret_employeur{suffix}" for suffix in CONTRACT_SUFFIXES),
    *("etablissement_responsable_uai", "etablissement_responsable_siret"),
    *("etablissement_formateur_uai", "etablissement_formateur_siret"),
    *("etablissement_lieu_de_formation_uai", "etablissement_lieu_de_formation_siret"),
    *("etablissement_lieu_de_formation_adresse", "etablissement_lieu_de_formation_code_postal"),
    *SERVER_FIELDS,
)
# What an ERP or a spreadsheet may send: the server fields are hidden from the documentation.
DOCUMENTED_FIELDS = FIELDS[: -len(SERVER_FIELDS)]

# The order in which the reference's zod object declares its keys: the order of its errors and of the stored copy.
# It is not the table order (§1.4's sample reports annee_scolaire before email_contact). "has_nir" only exists in the
# base schema used by the Excel upload check.
_BASE_ORDER: tuple[str, ...] = (
    *("nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "annee_scolaire", "statut_apprenant"),
    *("date_metier_mise_a_jour_statut", "id_erp_apprenant", "ine_apprenant", "email_contact", "tel_apprenant"),
    *("libelle_court_formation", "annee_formation", "formation_rncp", "contrat_date_debut", "contrat_date_fin"),
    *("contrat_date_rupture", "custom_statut_apprenant", "has_nir", "adresse_apprenant", "code_postal_apprenant"),
    *(
        "code_postal_de_naissance_apprenant",
        "code_commune_insee_apprenant",
        "code_commune_insee_de_naissance_apprenant",
    ),
    *("sexe_apprenant", "rqth_apprenant", "date_rqth_apprenant", "responsable_apprenant_mail1"),
    *("responsable_apprenant_mail2", "obtention_diplome_formation", "date_obtention_diplome_formation"),
    *("date_exclusion_formation", "cause_exclusion_formation", "nom_referent_handicap_formation"),
    *("prenom_referent_handicap_formation", "email_referent_handicap_formation", "cause_rupture_contrat"),
    *(
        f"{name}{suffix}"
        for suffix in CONTRACT_SUFFIXES[1:]
        for name in ("contrat_date_debut", "contrat_date_fin", "contrat_date_rupture", "cause_rupture_contrat")
    ),
    *(f"siret_employeur{suffix}" for suffix in CONTRACT_SUFFIXES),
    *("formation_presentielle", "duree_theorique_formation", "duree_theorique_formation_mois"),
    *("date_inscription_formation", "date_entree_formation", "date_fin_formation"),
    *("etablissement_responsable_uai", "etablissement_responsable_siret"),
    *("etablissement_formateur_uai", "etablissement_formateur_siret"),
    *("etablissement_lieu_de_formation_uai", "etablissement_lieu_de_formation_siret"),
    *("etablissement_lieu_de_formation_adresse", "etablissement_lieu_de_formation_code_postal"),
    *("formation_cfd", "derniere_situation", "dernier_organisme_uai", "type_cfa"),
)
SCHEMA_ORDER: tuple[str, ...] = (*(k for k in _BASE_ORDER if k != "has_nir"), "nir_apprenant", *SERVER_FIELDS)

REQUIRED_FIELDS: tuple[str, ...] = (
    *("nom_apprenant", "prenom_apprenant", "date_de_naissance_apprenant", "annee_scolaire", "id_erp_apprenant"),
    *("date_inscription_formation", "date_entree_formation", "date_fin_formation"),
    *PATH_ORGANISME_RESPONSABLE,
    *PATH_ORGANISME_FORMATEUR,
)
# §2.6: the Excel upload also requires what SIFA needs.
UPLOAD_REQUIRED_FIELDS: tuple[str, ...] = (
    *REQUIRED_FIELDS,
    *("email_contact", "adresse_apprenant", "code_postal_apprenant", "sexe_apprenant", "annee_formation"),
)
DATE_FIELDS: tuple[str, ...] = (
    *("date_de_naissance_apprenant", "date_rqth_apprenant", "date_metier_mise_a_jour_statut"),
    *("date_inscription_formation", "date_entree_formation", "date_fin_formation"),
    *("date_obtention_diplome_formation", "date_exclusion_formation"),
    *(
        f"{name}{suffix}"
        for name in ("contrat_date_debut", "contrat_date_fin", "contrat_date_rupture")
        for suffix in CONTRACT_SUFFIXES
    ),
)
BOOLEAN_FIELDS: tuple[str, ...] = ("rqth_apprenant", "formation_presentielle", "obtention_diplome_formation")
INTEGER_FIELDS: tuple[str, ...] = (
    *("statut_apprenant", "annee_formation", "duree_theorique_formation", "duree_theorique_formation_mois"),
    "derniere_situation",
)
# Invalid values of these fields become None instead of an error (§7 item 6).
SILENTLY_NULLED_FIELDS: tuple[str, ...] = (
    *(f"siret_employeur{suffix}" for suffix in CONTRACT_SUFFIXES),
    *("etablissement_lieu_de_formation_siret", "code_postal_de_naissance_apprenant"),
    *("duree_theorique_formation", "duree_theorique_formation_mois"),
)
UAI_LOOKUP_FIELDS = (PATH_ORGANISME_RESPONSABLE[0], PATH_ORGANISME_FORMATEUR[0])
SIRET_LOOKUP_FIELDS = (PATH_ORGANISME_RESPONSABLE[1], PATH_ORGANISME_FORMATEUR[1])

STATUT_APPRENANT_CODES = frozenset({0, 2, 3})
DERNIERE_SITUATION_CODES = frozenset(
    {
        *(1003, 1005, 1009, 1017, 1019, 1021, 1023, 2001, 2003, 2005, 2007),
        *(3001, 3101, 3003, 3103, 3009, 3109, 3011, 3111, 3031, 3131, 3032, 3132, 3033, 3133),
        *(3117, 3119, 3021, 3121, 3023, 3123),
        *(4001, 4101, 4003, 4103, 4005, 4105, 4007, 4107, 4009, 4011, 4111, 4013, 4113, 4015, 4115),
        *(4017, 4117, 4019, 4119, 4021, 4121, 4023, 4123, 4025, 4125, 4027, 4127),
        *(5901, 5903, 5905, 5907, 5909, 9900, 9999),
    }
)
TYPE_CFA_VALUES = frozenset(_TYPE_CFA_VALUES)
