"""OpenAPI description of /api/v3 for ERP vendors (drf-spectacular) and the views that serve it.

The record schema is built from the field lists of ``transmissions.validation`` (names, required set, dates,
booleans, integers, enumerations, rule codes), so adding a field there changes the schema; only the French
descriptions are written here, and tests/transmissions/test_openapi.py fails when one is missing. The ERP input
cannot be a DRF serializer (numbers accepted for strings, JavaScript coercions, the reference's messages): the
components below are placeholders whose schema is written by hand through a serializer extension.

The human guide is docs/api-v3.md; the error codes are described in docs/codes-erreur.md.
"""

# ruff: noqa: E501 (the field table below is French prose: one description per line reads better than wrapped)

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView, _get_sidecar_url
from rest_framework import serializers

from transmissions import validation as v
from transmissions.exemples import SAMPLE_ABANDON, SAMPLE_FULL, SAMPLE_MINIMAL

TAG = "Dossiers apprenants"
SECURITY_SCHEME = "cleEchange"
MAX_ITEMS = 2000  # settings.TDBA["API_MAX_ITEMS"]; the reference's POST_DOSSIERS_APPRENANTS_MAX_INPUT_LENGTH

# ----------------------------------------------------------------------------------------------------------------
# Samples (api-v3.md §6): fictitious people, the spec's fixture organismes
# ----------------------------------------------------------------------------------------------------------------

# Fields none of the §6 samples carries: an example each, for the field table.
_OTHER_EXAMPLES: dict[str, Any] = {
    "obtention_diplome_formation": True,
    "date_obtention_diplome_formation": "2027-07-02",
    "duree_theorique_formation": 2,
    **{f"contrat_date_debut{s}": "2025-09-15" for s in ("_3", "_4")},
    **{f"contrat_date_fin{s}": "2026-06-30" for s in ("_3", "_4")},
    **{f"contrat_date_rupture{s}": "2025-11-20" for s in ("_2", "_3", "_4")},
    **{f"cause_rupture_contrat{s}": "démission" for s in ("_2", "_3", "_4")},
    **{f"siret_employeur{s}": "98765432100017" for s in ("_3", "_4")},
}
FIELD_EXAMPLES: dict[str, Any] = {**_OTHER_EXAMPLES, **SAMPLE_ABANDON, **SAMPLE_FULL}

# ----------------------------------------------------------------------------------------------------------------
# Field descriptions (French, for ERP developers)
# ----------------------------------------------------------------------------------------------------------------

_DATE = (
    "Date `AAAA-MM-JJ` ou date-heure `AAAA-MM-JJTHH:MM[:SS[.sss]]`, avec `Z` ou `±HH:MM` facultatif ; sans fuseau, "
    "lue en UTC. Seul le début `AAAA-MM-JJ` est imposé (`14/03/2006` est refusé)."
)
_DATE_ERRORS = "`Date invalide` (`date_invalide`) ; `Invalid date` (`date_impossible`)"
_REQUIRED_DATE_ERRORS = "`Champ obligatoire` (`champ_obligatoire`) ; " + _DATE_ERRORS
_UAI = "UAI : 7 chiffres et 1 lettre, en texte (un nombre est refusé). Espaces retirés, lettre mise en majuscule."
_SIRET = (
    "SIRET : 14 chiffres. Espaces, points et tirets retirés. Un nombre est accepté mais perd ses zéros de tête : "
    "envoyer du texte."
)
_SIRET_SILENT = "SIRET (14 chiffres, espaces, points et tirets retirés). Mal formé, il est ignoré sans erreur."
_EMAIL = 'Adresse électronique, espaces retirés. `""` est une erreur : ne pas envoyer le champ s\'il est inconnu.'
_POSTAL = "Code postal : 5 chiffres ; un nombre est accepté et complété par des zéros à gauche (`1000` → `01000`)."
_INSEE = "Code commune INSEE : 5 caractères, `2A`/`2B` pour la Corse (en majuscules). Un nombre est accepté."
_FREE_TEXT = "Texte libre."

# name -> (description, error messages and their codes)
FIELD_DOCS: dict[str, tuple[str, str]] = {
    "nom_apprenant": (
        "Nom de l'apprenant. Espaces retirés, mis en majuscules.",
        "`String attendu` (`champ_obligatoire`, `type_invalide`) ; `String must contain at least 1 character(s)` (`longueur_minimale`)",
    ),
    "prenom_apprenant": (
        "Prénom de l'apprenant. Espaces retirés, casse conservée.",
        "`String attendu` ; `String must contain at least 1 character(s)`",
    ),
    "date_de_naissance_apprenant": ("Date de naissance. " + _DATE, _REQUIRED_DATE_ERRORS),
    "id_erp_apprenant": (
        "Identifiant de l'apprenant dans l'ERP : avec l'organisme formateur et l'année scolaire, il identifie l'effectif (deux envois du même triplet mettent à jour le même effectif). Texte ou nombre (converti en texte).",
        "`String attendu` (`champ_obligatoire` si absent, `type_invalide` pour `0` ou `false`)",
    ),
    "ine_apprenant": (
        "Identifiant national élève (INE). Format non contrôlé ; mis en majuscules.",
        "`String attendu` (`type_invalide`) pour `false` ou `0`",
    ),
    "nir_apprenant": (
        "Numéro de sécurité sociale. **Jamais enregistré** : TDBA n'en garde que la présence (`has_nir`). Toute valeur est acceptée.",
        "aucune",
    ),
    "sexe_apprenant": (
        "Sexe : `M` ou `H` (homme), `F` (femme), `1` (homme) ou `2` (femme) ; texte ou nombre. Enregistré `M` ou `F`.",
        "`M, H ou F attendu` (`sexe_invalide`)",
    ),
    "date_rqth_apprenant": ("Date de reconnaissance de la qualité de travailleur handicapé. " + _DATE, _DATE_ERRORS),
    "rqth_apprenant": (
        'Reconnaissance de la qualité de travailleur handicapé : booléen JSON (`"true"` est refusé).',
        "`Boolean attendu` (`type_invalide`)",
    ),
    "email_contact": ("Courriel de l'apprenant. " + _EMAIL, "`Email non valide` (`email_invalide`)"),
    "tel_apprenant": (
        'Téléphone de l\'apprenant, texte ou nombre. Espaces, `-`, `.`, `(`, `)` retirés ; numéros français enregistrés `0XXXXXXXXX`, étrangers et ultramarins au format international. `""` vaut « pas de numéro ».',
        "`Format invalide` (`telephone_format_invalide`) ; `Numéro de téléphone invalide` (`telephone_invalide`) ; `Numéro de téléphone est un numéro spécial` (`telephone_special`)",
    ),
    "adresse_apprenant": ("Adresse postale de l'apprenant (texte).", "`String attendu` (`type_invalide`)"),
    "code_postal_apprenant": (
        "Code postal de l'apprenant. " + _POSTAL,
        "`Le code postal doit faire 5 caractères numériques exactement` (`code_postal_invalide`)",
    ),
    "code_postal_de_naissance_apprenant": (
        "Code postal de naissance. " + _POSTAL + " Mal formé, il est ignoré sans erreur.",
        "aucune",
    ),
    "code_commune_insee_apprenant": ("Commune de résidence. " + _INSEE, "`Format invalide` (`code_insee_invalide`)"),
    "code_commune_insee_de_naissance_apprenant": (
        "Commune de naissance. " + _INSEE,
        "`Format invalide` (`code_insee_invalide`)",
    ),
    "responsable_apprenant_mail1": (
        "Courriel du premier représentant légal. " + _EMAIL,
        "`Email non valide` (`email_invalide`)",
    ),
    "responsable_apprenant_mail2": (
        "Courriel du second représentant légal. " + _EMAIL,
        "`Email non valide` (`email_invalide`)",
    ),
    "derniere_situation": (
        "Situation de l'apprenant l'année précédente, code de la nomenclature SIFA (nombre ou texte numérique) ; `0` vaut « non renseigné ».",
        "`Invalid input` (`derniere_situation_invalide`)",
    ),
    "dernier_organisme_uai": (
        "Dernier établissement fréquenté : UAI ou numéro de département (`44`, `044`, `2B`, `972`…). Texte ou nombre.",
        "`UAI ou département` (`dernier_organisme_uai_invalide`)",
    ),
    "type_cfa": (
        'Type de CFA (nomenclature SIFA) : `01` à `10` ; `4` ou `"4"` deviennent `04`.',
        "`Invalid enum value. Expected '01' | … | '10', received '<valeur>'` (`type_cfa_invalide`)",
    ),
    "annee_scolaire": (
        "Année scolaire `AAAA-AAAA`, années identiques ou consécutives ; `/` accepté à la place de `-`, espaces retirés (`2025/2026` → `2025-2026`).",
        "`Format invalide (format attendu : 2023-2024). Les années doivent être consécutives ou identiques (ex : 2023-2024 ou 2023-2023)` (`annee_scolaire_invalide`) ; `String attendu` (`champ_obligatoire`)",
    ),
    "statut_apprenant": (
        "Statut déclaré par l'ERP : `0` abandon, `2` inscrit, `3` apprenti (nombre ou texte numérique).",
        "`Valeurs possibles: 0,2,3` (`statut_invalide`)",
    ),
    "date_metier_mise_a_jour_statut": ("Date à laquelle le statut a changé dans l'ERP. " + _DATE, _DATE_ERRORS),
    "custom_statut_apprenant": ("Statut propre à l'ERP, libre (converti en texte).", "aucune"),
    "date_inscription_formation": ("Date d'inscription en formation. " + _DATE, _REQUIRED_DATE_ERRORS),
    "date_entree_formation": ("Date d'entrée en formation. " + _DATE, _REQUIRED_DATE_ERRORS),
    "date_fin_formation": (
        "Date de fin de formation prévue. " + _DATE + " Au traitement, elle doit suivre la date d'entrée.",
        _REQUIRED_DATE_ERRORS
        + " ; au traitement : `La date de fin de formation doit être supérieure à la date d'entrée en formation` (`dates_formation_incoherentes`)",
    ),
    "formation_cfd": (
        "Code formation diplôme (CFD) : 8 caractères alphanumériques, mis en majuscules. Texte ou nombre.",
        "`Code CFD invalide` (`cfd_invalide`)",
    ),
    "formation_rncp": (
        "Code RNCP : `RNCP` suivi de 2 à 5 chiffres ; espaces, points et tirets retirés, préfixe `RNCP` ajouté s'il manque (`35-316` → `RNCP35316`). Texte ou nombre.",
        "`Code RNCP invalide` (`rncp_invalide`)",
    ),
    "libelle_court_formation": (
        "Libellé court de la formation (2 caractères au moins). Accepté mais pas enregistré dans l'effectif.",
        "`String must contain at least 2 character(s)` (`longueur_minimale`)",
    ),
    "annee_formation": (
        "Année de la formation suivie (0 à 5), nombre ou texte numérique.",
        "`Le chiffre doit être inférieur ou égal à 5` ; `Number attendu` ; `Integer attendu` ; `Number must be greater than or equal to 0` (`annee_formation_invalide`, `type_invalide`)",
    ),
    "duree_theorique_formation": (
        "Durée théorique en années (1 à 4). Champ ancien : préférer `duree_theorique_formation_mois`. Hors limites, ignorée sans erreur.",
        "aucune",
    ),
    "duree_theorique_formation_mois": (
        "Durée théorique en mois (1 à 48). Hors limites, ignorée sans erreur.",
        "aucune",
    ),
    "formation_presentielle": ("Formation en présentiel : booléen JSON.", "`Boolean attendu` (`type_invalide`)"),
    "obtention_diplome_formation": ("Diplôme obtenu : booléen JSON.", "`Boolean attendu` (`type_invalide`)"),
    "date_obtention_diplome_formation": ("Date d'obtention du diplôme. " + _DATE, _DATE_ERRORS),
    "date_exclusion_formation": ("Date de sortie (exclusion, abandon) de la formation. " + _DATE, _DATE_ERRORS),
    "cause_exclusion_formation": (
        "Cause de la sortie de formation. " + _FREE_TEXT,
        "`String attendu` (`type_invalide`)",
    ),
    "nom_referent_handicap_formation": ("Nom du référent handicap.", "`String attendu` (`type_invalide`)"),
    "prenom_referent_handicap_formation": ("Prénom du référent handicap.", "`String attendu` (`type_invalide`)"),
    "email_referent_handicap_formation": (
        "Courriel du référent handicap (les espaces ne sont **pas** retirés).",
        "`Email non valide` (`email_invalide`)",
    ),
    "etablissement_responsable_uai": (
        "Établissement responsable (gestionnaire). " + _UAI,
        "`UAI invalide` (`uai_invalide`) ; `String attendu` (`champ_obligatoire`, `type_invalide`) ; au traitement : `organisme responsable non trouvé` (`organisme_responsable_non_trouve`)",
    ),
    "etablissement_responsable_siret": (
        "Établissement responsable (gestionnaire). " + _SIRET,
        "`Siret invalide. Format attendu : 14 chiffres` (`siret_invalide`) ; `String attendu` (`champ_obligatoire`) ; au traitement : `organisme responsable non trouvé` (`organisme_responsable_non_trouve`)",
    ),
    "etablissement_formateur_uai": (
        "Établissement formateur, auquel l'effectif est rattaché. " + _UAI,
        "`UAI invalide` (`uai_invalide`) ; `String attendu` (`champ_obligatoire`, `type_invalide`) ; au traitement : `organisme formateur non trouvé` (`organisme_formateur_non_trouve`)",
    ),
    "etablissement_formateur_siret": (
        "Établissement formateur, auquel l'effectif est rattaché. " + _SIRET,
        "`Siret invalide. Format attendu : 14 chiffres` (`siret_invalide`) ; `String attendu` (`champ_obligatoire`) ; au traitement : `organisme formateur non trouvé` (`organisme_formateur_non_trouve`)",
    ),
    "etablissement_lieu_de_formation_uai": (
        "Lieu de formation (enregistré tel quel, jamais rapproché d'un organisme). " + _UAI,
        "`UAI invalide` (`uai_invalide`)",
    ),
    "etablissement_lieu_de_formation_siret": ("Lieu de formation. " + _SIRET_SILENT, "aucune"),
    "etablissement_lieu_de_formation_adresse": (
        "Adresse du lieu de formation (texte).",
        "`String attendu` (`type_invalide`)",
    ),
    "etablissement_lieu_de_formation_code_postal": (
        "Code postal du lieu de formation. " + _POSTAL,
        "`Le code postal doit faire 5 caractères numériques exactement` (`code_postal_invalide`)",
    ),
}
_CONTRACT_DOCS = {
    "contrat_date_debut": ("Date de début du contrat{n}. " + _DATE, _DATE_ERRORS),
    "contrat_date_fin": (
        "Date de fin prévue du contrat{n} (à défaut : la fin de formation). " + _DATE,
        _DATE_ERRORS
        + " ; au traitement : `Information de contrat incomplète : …` (`contrat_incomplet`) sans date de début",
    ),
    "contrat_date_rupture": (
        "Date de rupture du contrat{n}. " + _DATE,
        _DATE_ERRORS
        + " ; au traitement : `Information de contrat incomplète : …` (`contrat_incomplet`) sans date de début",
    ),
    "cause_rupture_contrat": (
        "Cause de la rupture du contrat{n}. " + _FREE_TEXT,
        "`String attendu` (`type_invalide`) ; au traitement : `Information de contrat incomplète : …` (`contrat_incomplet`) sans date de début",
    ),
    "siret_employeur": ("Employeur du contrat{n}. " + _SIRET_SILENT, "aucune"),
}
_CONTRACT_NAMES = {"": "", "_2": " n° 2", "_3": " n° 3", "_4": " n° 4"}
for _base, (_text, _errors) in _CONTRACT_DOCS.items():
    for _suffix in v.CONTRACT_SUFFIXES:
        FIELD_DOCS[f"{_base}{_suffix}"] = (_text.format(n=_CONTRACT_NAMES[_suffix]), _errors)

# Fields converted to a string before their check: a JSON number is accepted too (api-v3.md §2.3 "Type strictness").
STRING_OR_NUMBER_FIELDS = frozenset(
    {
        *("id_erp_apprenant", "ine_apprenant", "sexe_apprenant", "tel_apprenant", "code_postal_apprenant"),
        *("code_postal_de_naissance_apprenant", "code_commune_insee_apprenant", "dernier_organisme_uai"),
        *("code_commune_insee_de_naissance_apprenant", "type_cfa", "custom_statut_apprenant", "formation_cfd"),
        *("formation_rncp", "etablissement_responsable_siret", "etablissement_formateur_siret"),
        *("etablissement_lieu_de_formation_siret", "etablissement_lieu_de_formation_code_postal"),
        *(f"siret_employeur{suffix}" for suffix in v.CONTRACT_SUFFIXES),
    }
)
# Canonical forms (after the normalisation the server applies); what an ERP should send.
_PATTERNS = {
    "etablissement_responsable_uai": "^[0-9]{7}[a-zA-Z]$",
    "etablissement_formateur_uai": "^[0-9]{7}[a-zA-Z]$",
    "etablissement_lieu_de_formation_uai": "^[0-9]{7}[a-zA-Z]$",
    "etablissement_responsable_siret": "^[0-9]{14}$",
    "etablissement_formateur_siret": "^[0-9]{14}$",
    "code_postal_apprenant": "^[0-9]{5}$",
    "etablissement_lieu_de_formation_code_postal": "^[0-9]{5}$",
    "code_commune_insee_apprenant": "^([0-9]{2}|2A|2B)[0-9]{3}$",
    "code_commune_insee_de_naissance_apprenant": "^([0-9]{2}|2A|2B)[0-9]{3}$",
    "formation_cfd": "^[A-Z0-9]{8}$",
    "formation_rncp": "^(RNCP)?[0-9]{2,5}$",
    "annee_scolaire": "^[12][0-9]{3}[-/][12][0-9]{3}$",
    "dernier_organisme_uai": ("^(0?[0-9][0-9]|0?2[AB]|0?9[012345]|97[1234678]|98[678]|99[0135]|[0-9]{7}[a-zA-Z])$"),
}
_EMAIL_FIELDS = frozenset(
    {"email_contact", "responsable_apprenant_mail1", "responsable_apprenant_mail2", "email_referent_handicap_formation"}
)
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}"


def field_schema(name: str) -> dict[str, Any]:
    """The OpenAPI schema of one input field, from validation's lists and the descriptions above."""
    description, errors = FIELD_DOCS[name]
    schema: dict[str, Any]
    if name == "nir_apprenant":
        schema = {}  # any JSON value: only its truthiness is kept
    elif name in v.DATE_FIELDS:
        schema = {"type": "string", "pattern": DATE_PATTERN}
    elif name in v.BOOLEAN_FIELDS:
        schema = {"type": "boolean"}
    elif name in v.INTEGER_FIELDS:
        schema = {"type": "integer"}
    else:
        schema = {"type": "string"}
    if name == "statut_apprenant":
        schema["enum"] = sorted(v.STATUT_APPRENANT_CODES)
    elif name == "derniere_situation":
        schema["enum"] = [0, *sorted(v.DERNIERE_SITUATION_CODES)]
    elif name == "type_cfa":
        schema["enum"] = sorted(v.TYPE_CFA_VALUES)
    elif name == "sexe_apprenant":
        schema["enum"] = ["M", "H", "F", "1", "2"]
    elif name == "annee_formation":
        schema.update(minimum=0, maximum=5)
    elif name == "duree_theorique_formation":
        schema.update(minimum=1, maximum=4)
    elif name == "duree_theorique_formation_mois":
        schema.update(minimum=1, maximum=48)
    elif name in _EMAIL_FIELDS:
        schema["format"] = "email"
    if name in _PATTERNS:
        schema["pattern"] = _PATTERNS[name]
    accepted = []
    if name in STRING_OR_NUMBER_FIELDS:
        accepted.append("Un nombre JSON est aussi accepté (converti en texte).")
    elif name in v.INTEGER_FIELDS and name != "duree_theorique_formation":
        accepted.append("Un texte numérique est aussi accepté.")
    if name not in v.REQUIRED_FIELDS:
        schema["nullable"] = True
        accepted.append("`null` vaut « absent ».")
    schema["description"] = " ".join([description, *accepted, f"Erreurs : {errors}."])
    if name in FIELD_EXAMPLES:
        schema["example"] = FIELD_EXAMPLES[name]
    return schema


def record_schema() -> dict[str, Any]:
    """One v3 dossier apprenant: every documented field, in the spec's table order."""
    return {
        "type": "object",
        "description": (
            "Un dossier apprenant : un apprenant × une formation × une année scolaire. Les clés inconnues sont "
            'ignorées ; une valeur `null` vaut un champ absent ; `""` n\'est pas un champ absent.'
        ),
        "properties": {name: field_schema(name) for name in v.DOCUMENTED_FIELDS},
        "required": list(v.REQUIRED_FIELDS),
        "additionalProperties": True,
        "example": SAMPLE_MINIMAL,
    }


# ----------------------------------------------------------------------------------------------------------------
# Answers and their exact messages (api-v3.md §1.2 to §1.5)
# ----------------------------------------------------------------------------------------------------------------

MESSAGES_403 = {
    "cle_manquante": "Clé API manquante",
    "pas_bearer": "La clé API doit etre au format Bearer",
    "cle_invalide": "La clé API n'est pas valide",
}
MESSAGE_413 = "Le corps de la requête dépasse 10 Mo."
MESSAGE_429 = "Trop de requêtes, veuillez réessayer plus tard."
MESSAGE_404 = "Aucun dossier avec cet identifiant pour cette clé."
ETATS = {"en_attente": "reçu, pas encore traité", "traite": "traité sans erreur", "erreur": "traité avec erreurs"}

_UUID = {"type": "string", "format": "uuid"}
_DATETIME = {"type": "string", "format": "date-time"}


class _Documented(serializers.Serializer):
    """A component whose OpenAPI schema is written by hand in `openapi(ref)`; never used to parse anything."""

    @classmethod
    def openapi(cls, ref) -> dict[str, Any]:
        raise NotImplementedError


class DossierApprenantV3(_Documented):
    @classmethod
    def openapi(cls, ref):
        return record_schema()


class LotDossiersApprenants(_Documented):
    @classmethod
    def openapi(cls, ref):
        return {
            "type": "array",
            "description": f"Un tableau JSON de 0 à {MAX_ITEMS} dossiers apprenants (corps de 10 Mo au plus).",
            "items": ref(DossierApprenantV3),
            "maxItems": MAX_ITEMS,
        }


class ErreurValidation(_Documented):
    @classmethod
    def openapi(cls, ref):
        return {
            "type": "object",
            "description": "Une erreur d'un dossier : le message et le chemin du service d'origine, plus `code`.",
            "properties": {
                "message": {"type": "string", "description": "Libellé exact du service d'origine."},
                "path": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Champ(s) concerné(s) ; vide quand le dossier entier est refusé.",
                },
                "code": {
                    "type": "string",
                    "enum": list(v.ERROR_CODES),
                    "description": (
                        "Ajout de TDBA : identifiant stable de la règle, le même dans l'API, l'import Excel et les "
                        "rapports de transmission (docs/codes-erreur.md). Programmer sur le code, pas sur le message."
                    ),
                },
            },
            "required": ["message", "path", "code"],
            "example": {"message": "UAI invalide", "path": ["etablissement_formateur_uai"], "code": "uai_invalide"},
        }


class DossierEnFile(_Documented):
    @classmethod
    def openapi(cls, ref):
        return {
            "type": "object",
            "description": (
                "Le dossier tel qu'il a été reçu (seulement les champs connus, valeurs brutes non normalisées, "
                "`nir_apprenant` remplacé par `has_nir`), suivi des champs de contrôle."
            ),
            "properties": {
                "has_nir": {"type": "boolean", "description": "Vrai si un `nir_apprenant` non vide a été envoyé."},
                "validation_errors": {"type": "array", "items": ref(ErreurValidation)},
                "created_at": _DATETIME,
                "updated_at": _DATETIME,
                "processed_at": {
                    **_DATETIME,
                    "description": "Présent seulement pour un dossier invalide : il ne sera jamais traité.",
                },
                "source": {"type": "string", "enum": ["ERP"]},
                "source_organisme_id": {**_UUID, "description": "Identifiant de l'organisme propriétaire de la clé."},
                "api_version": {"type": "string", "enum": ["v3"]},
                "has_error": {"type": "boolean"},
                "computed_day": {"type": "string", "format": "date", "description": "Jour de réception (UTC)."},
                "_id": {
                    **_UUID,
                    "description": "Identifiant du dossier dans la file : `GET /api/v3/dossiers-apprenants/{_id}`.",
                },
            },
            "required": [
                *("has_nir", "validation_errors", "created_at", "updated_at", "source", "source_organisme_id"),
                *("api_version", "has_error", "computed_day", "_id"),
            ],
            "additionalProperties": True,
        }


class ReponseDossiersRecus(_Documented):
    @classmethod
    def openapi(cls, ref):
        return {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": ["OK"]},
                "message": {"type": "string", "enum": ["Queued"]},
                "detail": {
                    "type": "string",
                    "enum": ["Some data are invalid"],
                    "description": "Présent quand au moins un dossier a des erreurs.",
                },
                "data": {"type": "array", "items": ref(DossierEnFile), "description": "Dans l'ordre d'envoi."},
            },
            "required": ["status", "message", "data"],
        }


class ResultatValidation(_Documented):
    @classmethod
    def openapi(cls, ref):
        return {
            "type": "object",
            "properties": {
                "valid": {"type": "boolean"},
                "validation_errors": {"type": "array", "items": ref(ErreurValidation)},
            },
            "required": ["valid", "validation_errors"],
        }


class ReponseValidation(_Documented):
    @classmethod
    def openapi(cls, ref):
        return {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": ["OK"]},
                "valid": {"type": "boolean", "description": "Vrai si aucun dossier n'a d'erreur."},
                "data": {"type": "array", "items": ref(ResultatValidation), "description": "Dans l'ordre d'envoi."},
            },
            "required": ["status", "valid", "data"],
        }


class EtatDossier(_Documented):
    @classmethod
    def openapi(cls, ref):
        return {
            "type": "object",
            "properties": {
                "_id": _UUID,
                "etat": {
                    "type": "string",
                    "enum": list(ETATS),
                    "description": " ; ".join(f"`{k}` : {label}" for k, label in ETATS.items()) + ".",
                },
                "created_at": _DATETIME,
                "processed_at": {**_DATETIME, "nullable": True},
                "has_error": {"type": "boolean"},
                "validation_errors": {
                    "type": "array",
                    "items": ref(ErreurValidation),
                    "description": "Erreurs de réception ou de traitement (organisme non trouvé, dates, contrats).",
                },
                "error": {
                    "type": "string",
                    "nullable": True,
                    "description": "« Erreur technique lors du traitement » si le traitement a échoué.",
                },
                "effectif_id": {**_UUID, "nullable": True, "description": "L'effectif créé ou mis à jour."},
            },
            "required": ["_id", "etat", "created_at", "processed_at", "has_error", "validation_errors"],
        }


class ReponseTest(_Documented):
    @classmethod
    def openapi(cls, ref):
        return {"type": "object", "properties": {"msg": {"type": "string", "enum": ["ok"]}}, "required": ["msg"]}


class Erreur(_Documented):
    @classmethod
    def openapi(cls, ref):
        return {
            "type": "object",
            "description": "Enveloppe d'erreur du service d'origine : raison HTTP et message en français.",
            "properties": {
                "error": {"type": "string", "description": "Raison HTTP (`Forbidden`, `Bad Request`…)."},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {"type": "object", "additionalProperties": True},
                    "description": "Pour `Erreur de validation` : le détail du contrôle du tableau (format Joi).",
                },
            },
            "required": ["error", "message"],
        }


class DocumentedSchemaExtension(OpenApiSerializerExtension):
    """Gives each `_Documented` placeholder its hand-written schema, as a named component."""

    target_class = _Documented
    match_subclasses = True

    def get_name(self, auto_schema, direction):
        target = self.target if isinstance(self.target, type) else type(self.target)
        return target.__name__

    def map_serializer(self, auto_schema, direction):
        target = self.target if isinstance(self.target, type) else type(self.target)
        return target.openapi(lambda component: auto_schema.resolve_serializer(component, direction).ref)


class ErpApiSchema(AutoSchema):
    """The ERP endpoints: one tag, and the exchange key as a Bearer credential.

    Authentication is done by the view's own chain (not by DRF authentication classes), so the security scheme
    is declared here.
    """

    def get_tags(self):
        return [TAG]

    def get_auth(self):
        self.registry.register_on_missing(
            ResolvedComponent(
                name=SECURITY_SCHEME,
                type=ResolvedComponent.SECURITY_SCHEMA,
                object=SECURITY_SCHEME,
                schema={
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        "Clé d'échange de l'organisme, générée dans *Paramètres* du Tableau de bord et affichée une "
                        "seule fois : en-tête `Authorization: Bearer <clé>` (B majuscule, une espace)."
                    ),
                },
            )
        )
        return [{SECURITY_SCHEME: []}]


# ----------------------------------------------------------------------------------------------------------------
# What the views' @extend_schema use
# ----------------------------------------------------------------------------------------------------------------


def _example(name: str, value: Any, summary: str = "", **kwargs) -> OpenApiExample:
    return OpenApiExample(name, value=value, summary=summary or name, **kwargs)


RATELIMIT_HEADERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.INT if name != "RateLimit-Policy" else OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description=description,
        response=[200, 429],
    )
    for name, description in (
        ("RateLimit-Limit", "Nombre de requêtes permises dans la fenêtre."),
        ("RateLimit-Remaining", "Requêtes restantes dans la fenêtre."),
        ("RateLimit-Reset", "Secondes avant la fin de la fenêtre."),
        ("RateLimit-Policy", "`<limite>;w=<secondes>`, par exemple `3000;w=60`."),
    )
] + [
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description="Secondes à attendre avant de réessayer.",
    )
]

REQUEST_EXAMPLES = [
    _example("Dossier minimal", [SAMPLE_MINIMAL], "Inscrit sans contrat (§6.1)", request_only=True),
    _example("Dossier complet", [SAMPLE_FULL], "Apprenti, un contrat rompu puis un second (§6.2)", request_only=True),
    _example("Abandon", [SAMPLE_ABANDON], "Formes alternatives acceptées (§6.3)", request_only=True),
]

_ERRORS_403 = OpenApiResponse(
    Erreur,
    description="Clé absente, mal formée ou inconnue (toujours 403, jamais 401).",
    examples=[
        _example(key, {"error": "Forbidden", "message": message}, message, response_only=True, status_codes=["403"])
        for key, message in MESSAGES_403.items()
    ],
)
_ERRORS_400 = OpenApiResponse(
    Erreur,
    description="Le corps n'est pas un tableau JSON de 2000 dossiers au plus.",
    examples=[
        _example(
            "pas_un_tableau",
            {
                "error": "Bad Request",
                "message": "Erreur de validation",
                "details": [
                    {
                        "message": '"value" must be an array',
                        "path": [],
                        "type": "array.base",
                        "context": {"label": "value"},
                    }
                ],
            },
            "Corps qui n'est pas un tableau (ou Content-Type autre que application/json)",
            response_only=True,
            status_codes=["400"],
        ),
        _example(
            "trop_de_dossiers",
            {
                "error": "Bad Request",
                "message": "Erreur de validation",
                "details": [
                    {
                        "message": f'"value" must contain less than or equal to {MAX_ITEMS} items',
                        "path": [],
                        "type": "array.max",
                        "context": {"limit": MAX_ITEMS, "label": "value"},
                    }
                ],
            },
            f"Plus de {MAX_ITEMS} dossiers",
            response_only=True,
            status_codes=["400"],
        ),
        _example(
            "json_invalide",
            {
                "error": "Bad Request",
                "message": "Le corps de la requête n'est pas un JSON valide (ligne 1, colonne 2).",
            },
            "JSON mal formé",
            response_only=True,
            status_codes=["400"],
        ),
    ],
)
_ERRORS_413 = OpenApiResponse(
    Erreur,
    description="Corps de plus de 10 Mo.",
    examples=[
        _example(
            "trop_gros",
            {"error": "Payload Too Large", "message": MESSAGE_413},
            response_only=True,
            status_codes=["413"],
        )
    ],
)
_ERRORS_429 = OpenApiResponse(
    Erreur,
    description=(
        "Trop de requêtes : 300 par minute et par adresse IP avant authentification, 3000 par minute et par "
        "organisme après. Attendre `Retry-After` secondes."
    ),
    examples=[
        _example(
            "trop_de_requetes",
            {"error": "Too Many Requests", "message": MESSAGE_429},
            response_only=True,
            status_codes=["429"],
        )
    ],
)
ERROR_RESPONSES = {403: _ERRORS_403, 429: _ERRORS_429}
BODY_ERROR_RESPONSES = {400: _ERRORS_400, **ERROR_RESPONSES, 413: _ERRORS_413}
NOT_FOUND_RESPONSE = OpenApiResponse(
    Erreur,
    description="Aucun dossier avec cet identifiant envoyé avec cette clé.",
    examples=[
        _example(
            "introuvable", {"error": "Not Found", "message": MESSAGE_404}, response_only=True, status_codes=["404"]
        )
    ],
)

_INVALID_SAMPLE = {
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
_INVALID_ERRORS = [
    v.make_error("Date invalide", ["date_de_naissance_apprenant"], "date_invalide"),
    v.make_error(
        "Format invalide (format attendu : 2023-2024). Les années doivent être consécutives ou identiques"
        " (ex : 2023-2024 ou 2023-2023)",
        ["annee_scolaire"],
        "annee_scolaire_invalide",
    ),
    v.make_error("Email non valide", ["email_contact"], "email_invalide"),
    v.make_error("UAI invalide", ["etablissement_formateur_uai"], "uai_invalide"),
]
_CONTROL = {
    "updated_at": "2026-01-15T10:00:00.000Z",
    "created_at": "2026-01-15T10:00:00.000Z",
    "source": "ERP",
    "source_organisme_id": "0b7d6c1e-3f57-4c43-9d2a-6a1f1f0c2b11",
    "api_version": "v3",
    "computed_day": "2026-01-15",
}
QUEUED_EXAMPLE = _example(
    "un_valide_un_invalide",
    {
        "status": "OK",
        "message": "Queued",
        "detail": "Some data are invalid",
        "data": [
            {
                **SAMPLE_MINIMAL,
                "has_nir": False,
                "validation_errors": [],
                **_CONTROL,
                "has_error": False,
                "_id": "5f0c7a52-8f4e-4a4e-b1f4-2b9d1d0e6c01",
            },
            {
                **_INVALID_SAMPLE,
                "has_nir": False,
                "validation_errors": _INVALID_ERRORS,
                **_CONTROL,
                "processed_at": "2026-01-15T10:00:00.000Z",
                "has_error": True,
                "_id": "9a3e2b17-6d0c-4b8e-a5a1-7c2f0e4d9b22",
            },
        ],
    },
    "Deux dossiers, le second invalide : 200 quand même",
    response_only=True,
    status_codes=["200"],
)
VALIDATE_EXAMPLE = _example(
    "un_valide_un_invalide",
    {
        "status": "OK",
        "valid": False,
        "data": [{"valid": True, "validation_errors": []}, {"valid": False, "validation_errors": _INVALID_ERRORS}],
    },
    "Deux dossiers, le second invalide",
    response_only=True,
    status_codes=["200"],
)
STATE_EXAMPLES = [
    _example(
        "traite",
        {
            "_id": "5f0c7a52-8f4e-4a4e-b1f4-2b9d1d0e6c01",
            "etat": "traite",
            "created_at": "2026-01-15T10:00:00.000Z",
            "processed_at": "2026-01-15T10:00:02.000Z",
            "has_error": False,
            "validation_errors": [],
            "error": None,
            "effectif_id": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
        },
        "Traité, effectif créé ou mis à jour",
        response_only=True,
        status_codes=["200"],
    ),
    _example(
        "erreur_au_traitement",
        {
            "_id": "5f0c7a52-8f4e-4a4e-b1f4-2b9d1d0e6c01",
            "etat": "erreur",
            "created_at": "2026-01-15T10:00:00.000Z",
            "processed_at": "2026-01-15T10:00:02.000Z",
            "has_error": True,
            "validation_errors": [
                v.make_error(
                    v.MESSAGE_ORGANISME_FORMATEUR_NON_TROUVE,
                    v.PATH_ORGANISME_FORMATEUR,
                    "organisme_formateur_non_trouve",
                )
            ],
            "error": None,
            "effectif_id": None,
        },
        "Organisme formateur inconnu (erreur asynchrone)",
        response_only=True,
        status_codes=["200"],
    ),
]

# ----------------------------------------------------------------------------------------------------------------
# Serving the schema and the documentation page (public)
# ----------------------------------------------------------------------------------------------------------------


class DocumentationView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar (no CDN); its init script is a separate same-origin file."""

    url_name = "api_v3_openapi"
    title = "API v3 du Tableau de bord de l'apprentissage — documentation pour les éditeurs d'ERP"

    @staticmethod
    def _swagger_ui_favicon():
        # The default favicon is on a CDN, which the CSP (img-src 'self') blocks.
        return _get_sidecar_url("swagger-ui-dist/favicon-32x32.png")


openapi_view = login_not_required(SpectacularJSONAPIView.as_view())
# drf-spectacular's page carries one inline <style> block, and Swagger UI sets style attributes: style-src is relaxed
# for this page only; scripts stay 'self' (the global policy is unchanged).
doc_view = login_not_required(csp_update({"style-src": ["'unsafe-inline'"]})(DocumentationView.as_view()))
