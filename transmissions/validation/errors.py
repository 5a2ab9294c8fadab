"""Messages and rule codes of the validator (spec api-v3.md §2.3 to §2.6, docs/codes-erreur.md).

The exact wordings of the reference (ERPs were tuned against them), the table of TDBA's stable rule codes, and the
``_Fail`` values the field checks return instead of a value: each one pairs a reference message with its rule code.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------------------------------------------
# Messages (exact reference wordings, §2.3 to §2.6) and rule codes
# ----------------------------------------------------------------------------------------------------------------

MESSAGE_ORGANISME_FORMATEUR_NON_TROUVE = "organisme formateur non trouvé"
MESSAGE_ORGANISME_RESPONSABLE_NON_TROUVE = "organisme responsable non trouvé"
MESSAGE_DATES_FORMATION = "La date de fin de formation doit être supérieure à la date d'entrée en formation"
MESSAGE_UAI_NON_VALIDE = "UAI non valide"
MESSAGE_SIRET_NON_VALIDE = "Siret non valide"
# TDBA's own wording: the reference has no message for a non-object item (see the package docstring).
MESSAGE_NOT_AN_OBJECT = "Le dossier apprenant doit être un objet JSON"
PATH_ORGANISME_FORMATEUR = ("etablissement_formateur_uai", "etablissement_formateur_siret")
PATH_ORGANISME_RESPONSABLE = ("etablissement_responsable_uai", "etablissement_responsable_siret")

_TYPE_CFA_VALUES = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10")
_TYPE_CFA_EXPECTED = " | ".join(f"'{value}'" for value in _TYPE_CFA_VALUES)

ERROR_CODES: dict[str, str] = {
    "enregistrement_invalide": "Le dossier n'est pas un objet JSON",
    "champ_obligatoire": "Champ obligatoire absent ou null",
    "type_invalide": "Type de valeur JSON non accepté pour ce champ",
    "longueur_minimale": "Texte trop court (après suppression des espaces)",
    "date_invalide": "Date absente du format AAAA-MM-JJ",
    "date_impossible": "Date au format AAAA-MM-JJ mais qui n'existe pas",
    "uai_invalide": "UAI mal formée (7 chiffres et 1 lettre)",
    "siret_invalide": "SIRET mal formé (14 chiffres)",
    "email_invalide": "Adresse électronique mal formée",
    "telephone_format_invalide": "Numéro de téléphone de longueur impossible",
    "telephone_invalide": "Numéro de téléphone non attribuable",
    "telephone_special": "Numéro de téléphone surtaxé, partagé, de messagerie ou de radiomessagerie",
    "code_postal_invalide": "Code postal différent de 5 chiffres",
    "code_insee_invalide": "Code commune INSEE mal formé",
    "sexe_invalide": "Sexe différent de M, H, F, 1 ou 2",
    "derniere_situation_invalide": "Code de dernière situation absent de la nomenclature SIFA",
    "dernier_organisme_uai_invalide": "Ni un département ni une UAI",
    "type_cfa_invalide": "Type de CFA différent de 01 à 10",
    "annee_scolaire_invalide": "Année scolaire différente de AAAA-AAAA (années identiques ou consécutives)",
    "statut_invalide": "Statut différent de 0, 2 ou 3",
    "cfd_invalide": "Code CFD différent de 8 caractères alphanumériques",
    "rncp_invalide": "Code RNCP différent de RNCP suivi de 2 à 5 chiffres",
    "annee_formation_invalide": "Année de formation différente d'un entier de 0 à 5",
    "api_version_invalide": "Version d'API différente de v1, v2, v3 ou vide",
    "uai_inconnue": "UAI absente du référentiel des organismes (import Excel)",
    "siret_inconnu": "SIRET absent du référentiel des organismes (import Excel)",
    "organisme_formateur_non_trouve": "Aucun organisme pour le couple UAI/SIRET formateur",
    "organisme_responsable_non_trouve": "Aucun organisme pour le couple UAI/SIRET responsable",
    "contrat_incomplet": "Contrat renseigné sans date de début",
    "dates_formation_incoherentes": "Date de fin de formation antérieure à la date d'entrée",
}


class _Fail:
    """What a field check returns instead of a value: one or more (message, code) pairs."""

    __slots__ = ("issues",)

    def __init__(self, *issues: tuple[str, str]) -> None:
        self.issues = issues


_F_STRING = _Fail(("String attendu", "type_invalide"))
_F_NUMBER = _Fail(("Number attendu", "type_invalide"))
_F_BOOLEAN = _Fail(("Boolean attendu", "type_invalide"))
_F_MIN_1 = _Fail(("String must contain at least 1 character(s)", "longueur_minimale"))
_F_MIN_2 = _Fail(("String must contain at least 2 character(s)", "longueur_minimale"))
_F_DATE_INVALIDE = _Fail(("Date invalide", "date_invalide"))
_F_INVALID_DATE = _Fail(("Invalid date", "date_impossible"))
_F_UAI = _Fail(("UAI invalide", "uai_invalide"))
_F_SIRET = _Fail(("Siret invalide. Format attendu : 14 chiffres", "siret_invalide"))
_F_EMAIL = _Fail(("Email non valide", "email_invalide"))
_F_TEL_FORMAT = _Fail(("Format invalide", "telephone_format_invalide"))
_F_TEL_INVALIDE = _Fail(("Numéro de téléphone invalide", "telephone_invalide"))
_F_TEL_SPECIAL = _Fail(("Numéro de téléphone est un numéro spécial", "telephone_special"))
_F_CODE_POSTAL = _Fail(("Le code postal doit faire 5 caractères numériques exactement", "code_postal_invalide"))
_F_INSEE = _Fail(("Format invalide", "code_insee_invalide"))
_F_SEXE = _Fail(("M, H ou F attendu", "sexe_invalide"))
_F_DERNIERE_SITUATION = _Fail(("Invalid input", "derniere_situation_invalide"))
_F_DERNIER_ORGANISME = _Fail(("UAI ou département", "dernier_organisme_uai_invalide"))
_F_TYPE_CFA_TYPE = _Fail((f"{_TYPE_CFA_EXPECTED} attendu", "type_cfa_invalide"))
_F_ANNEE_SCOLAIRE = _Fail(
    (
        "Format invalide (format attendu : 2023-2024). Les années doivent être consécutives ou identiques"
        " (ex : 2023-2024 ou 2023-2023)",
        "annee_scolaire_invalide",
    )
)
_F_STATUT = _Fail(("Valeurs possibles: 0,2,3", "statut_invalide"))
_F_CFD = _Fail(("Code CFD invalide", "cfd_invalide"))
_F_RNCP = _Fail(("Code RNCP invalide", "rncp_invalide"))
_F_API_VERSION = _Fail(("Invalid input", "api_version_invalide"))
_ISSUE_INTEGER = ("Integer attendu", "annee_formation_invalide")
_ISSUE_MIN_0 = ("Number must be greater than or equal to 0", "annee_formation_invalide")
_ISSUE_MAX_5 = ("Le chiffre doit être inférieur ou égal à 5", "annee_formation_invalide")
_ISSUE_UAI_INCONNUE = (MESSAGE_UAI_NON_VALIDE, "uai_inconnue")
_ISSUE_SIRET_INCONNU = (MESSAGE_SIRET_NON_VALIDE, "siret_inconnu")
