"""Excel import of effectifs and safe spreadsheet exports (spec pages-import-sifa.md §2 and §5).

Pure module: no Django, no database. It turns an uploaded ``.xlsx`` or ``.csv`` file into rows keyed by the
64 normalised keys of the reference importer; validating those rows is the job of ``transmissions.validation``,
shared with ``/api/v3``. Every bad file raises :class:`ExcelImportError` (French message + stable code).

Decisions on the reference's quirks (to be echoed in ``docs/``):

* Parsing happens on the server (the reference parsed in the browser), so the file itself is distrusted: size limit
  before anything is read, zip central directory checked and every entry inflated with a hard cap before the
  spreadsheet reader sees it (zip bombs), and the cell area of every part bounded (python-calamine allocates a dense
  grid: one value in XFD1048576 would abort the process).
* Rows are kept when any recognised column holds a value. The reference dropped rows without a *string* cell (a row
  of dates and numbers vanished silently) and kept rows whose only text sat in an unknown column: both fixed.
* ``line`` is the real row number in the sheet (what the user sees in Excel). It equals the reference's
  ``index + 2`` whenever the file has no blank row.
* A value that cannot be converted (a date written "31/02/2024" or "demain", a boolean written "peut-être") is kept
  as text instead of becoming null, so that the validator says "Date invalide" / "Format invalide" rather than
  "Champ obligatoire". Booleans follow §2.4 for 0/1/oui/non/vrai/faux (plus true/false); other numbers are kept.
* Text columns always give ``str`` (trimmed) or ``None``: a number read by Excel comes back without ".0"
  (a SIRET stored as 7.7937827200016e13 gives "77937827200016"); leading zeros already dropped by Excel (postal
  code 01000 typed as a number) cannot be restored here — the validator pads postal codes, other identifiers fail.
  Integer columns give ``int`` when the value is integral. ``0`` stays ``0`` (the reference turned it into null).
* Formulas are never evaluated: xlsx cells give the value cached by the spreadsheet application (a formula saved
  without a cached value comes back empty) and CSV cells are plain text ("=1+1" stays "=1+1").
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import posixpath
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

# --------------------------------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------------------------------

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 2000  # reference limit of the upload, also the /api/v3 batch size
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # a 2000 x 62 sheet is ~6 MB of XML
# Same threshold as Apache POI's ZipSecureFile (1 %); only for entries over 1 MiB, as tiny XML parts compress well.
MAX_COMPRESSION_RATIO = 100
_RATIO_MIN_ENTRY_BYTES = 1024 * 1024
MAX_ZIP_ENTRIES = 1000
# python-calamine materialises the bounding box of the first sheet's cells: 2 M cells is 16 000 rows x 125 columns.
MAX_SHEET_CELLS = 2_000_000
_INFLATE_CHUNK = 1024 * 1024

# --------------------------------------------------------------------------------------------------------------------
# Columns of the template (§2.2)
# --------------------------------------------------------------------------------------------------------------------

TEXT, DATE, BOOLEAN, INTEGER = "text", "date", "boolean", "integer"

SECTION_APPRENANT = "Informations concernant l'apprenant"
SECTION_ORGANISME = "Informations concernant l'organisme de formation"
SECTION_FORMATION = "Informations concernant la formation suivie"
SECTION_CONTRAT = "Informations concernant l'employeur et le contrat"
SECTIONS = (SECTION_APPRENANT, SECTION_ORGANISME, SECTION_FORMATION, SECTION_CONTRAT)

_EXCEL_EPOCH = dt.date(1899, 12, 30)  # 1900 date system, as SheetJS and the reference


def _serial(days: int) -> dt.date:
    return _EXCEL_EPOCH + dt.timedelta(days=days)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the template: its exact header, how its cells are converted and how it is documented."""

    key: str
    header: str
    section: str
    kind: str
    description: str
    format: str
    example: object
    as_text: bool = False  # column pre-formatted as text in the template, because leading zeros matter

    @property
    def requirement(self) -> str:
        """Template legend: "Oui" for ` *` headers, "Si pertinent" for `**` headers, "Non" otherwise."""
        if self.header.endswith("**"):
            return "Si pertinent"
        return "Oui" if self.header.endswith("*") else "Non"


_NAME = "Lettres ; espaces, tirets, apostrophes et accents acceptés ; pas de chiffres"
_DATE = "AAAA-MM-JJ ou JJ/MM/AAAA (ou cellule au format date)"
_BOOL = "VRAI/FAUX (ou OUI/NON)"
_CP = "5 chiffres"
_UAI = "UAI : 7 chiffres suivis d'une lettre"
_SIRET = "14 chiffres"
_EMAIL = "Adresse email valide"
_CAUSE = "Absences répétées et injustifiées"
_TYPE_CFA = (
    "Type de CFA : CFA public (éducation nationale) : 01, CFA public (enseignement supérieur) : 02, "
    "CFA public agricole : 03, CFA de collectivité territoriale : 04, Autre CFA public : 05, CFA consulaire : 06, "
    "CFA de branche : 07, CFA d'entreprise : 08, CFA associatif : 09, Autre CFA privé : 10."
)


# fmt: off
def _contract_columns(suffix: str, rank: str) -> tuple[Column, ...]:
    """The five columns of one contract; the template numbers the 2nd to 4th contracts with a suffix."""
    of = "du contrat d'apprentissage" if not suffix else f"du {rank} contrat d'apprentissage, le cas échéant"
    # The reference template has "contrat_date_fin_2**" without the space: reproduced, since users copy headers.
    fin_header = f"contrat_date_fin{suffix}{'**' if suffix == '_2' else ' **'}"
    return (
        Column(f"contrat_date_debut{suffix}", f"contrat_date_debut{suffix} **", SECTION_CONTRAT, DATE,
               f"Date de début {of}. Obligatoire si l'apprenant a ce contrat : sans elle, son statut sera erroné.",
               _DATE, _serial(44937)),
        Column(f"contrat_date_fin{suffix}", fin_header, SECTION_CONTRAT, DATE,
               f"Date de fin prévue {of}. Obligatoire si l'apprenant a ce contrat.", _DATE, _serial(45454)),
        Column(f"siret_employeur{suffix}", f"siret_employeur{suffix} **", SECTION_CONTRAT, TEXT,
               f"SIRET de l'employeur {of}. Obligatoire si l'apprenant a ce contrat.", f"{_SIRET} (espaces retirés)",
               "12345678901235", as_text=True),
        Column(f"contrat_date_rupture{suffix}", f"contrat_date_rupture{suffix} **", SECTION_CONTRAT, DATE,
               f"Date de rupture {of}. Obligatoire si ce contrat a été rompu.", _DATE, _serial(45454)),
        Column(f"cause_rupture_contrat{suffix}", f"cause_rupture_contrat{suffix}", SECTION_CONTRAT, TEXT,
               f"Motif de la rupture {of}.", "Texte libre", _CAUSE),
    )


def _etablissement_columns(role: str, label: str, required: bool) -> tuple[Column, ...]:
    star = " *" if required else ""
    return (
        Column(f"etablissement_{role}_uai", f"etablissement_{role}_uai{star}", SECTION_ORGANISME, TEXT,
               f"UAI de l'établissement {label}.", _UAI, "0123456A", as_text=True),
        Column(f"etablissement_{role}_siret", f"etablissement_{role}_siret{star}", SECTION_ORGANISME, TEXT,
               f"SIRET de l'établissement {label}.", _SIRET, "12345678901235", as_text=True),
    )


COLUMNS: tuple[Column, ...] = (
    Column("nom_apprenant", "nom_apprenant *", SECTION_APPRENANT, TEXT,
           "Nom de famille de l'apprenant.", _NAME, "Dupuis"),
    Column("prenom_apprenant", "prenom_apprenant *", SECTION_APPRENANT, TEXT,
           "Prénom de l'apprenant : le premier prénom uniquement.", _NAME, "Gaston"),
    Column("date_de_naissance_apprenant", "date_de_naissance_apprenant *", SECTION_APPRENANT, DATE,
           "Date de naissance de l'apprenant. Avec le nom et le prénom, elle identifie l'apprenant d'un import "
           "à l'autre : gardez-la identique.", _DATE, _serial(35819)),
    Column("sexe_apprenant", "sexe_apprenant *", SECTION_APPRENANT, TEXT,
           "Sexe de l'apprenant : M (ou H, ou 1) pour masculin, F (ou 2) pour féminin.", "1, 2 ou H, F ou M, F", "F"),
    Column("code_postal_de_naissance_apprenant", "code_postal_de_naissance_apprenant", SECTION_APPRENANT, TEXT,
           "Code postal de la commune de naissance de l'apprenant.", _CP, "44400", as_text=True),
    Column("email_contact", "email_contact *", SECTION_APPRENANT, TEXT,
           "Adresse email de l'apprenant.", _EMAIL, "gaston.dupuis@domain.tld"),
    Column("adresse_apprenant", "adresse_apprenant *", SECTION_APPRENANT, TEXT,
           "Adresse de résidence de l'apprenant : numéro, indice de répétition (bis, ter), type et libellé de la "
           "voie, complément d'adresse.", "Texte libre", "64 bis, route de Paris"),
    Column("code_postal_apprenant", "code_postal_apprenant *", SECTION_APPRENANT, TEXT,
           "Code postal de la commune de résidence de l'apprenant.", _CP, "44000", as_text=True),
    Column("ine_apprenant", "ine_apprenant", SECTION_APPRENANT, TEXT,
           "Identifiant national élève (INE) de l'apprenant, s'il est connu.",
           "11 caractères : 10 chiffres et 1 lettre, 9 chiffres et 2 lettres, ou 9 caractères alphanumériques et "
           "1 chiffre", "1234567890A", as_text=True),
    Column("tel_apprenant", "tel_apprenant", SECTION_APPRENANT, TEXT,
           "Numéro de téléphone de l'apprenant.",
           "10 chiffres commençant par 0 (espaces, tirets et points tolérés) ou +33 suivi de 9 chiffres",
           "0612345678", as_text=True),
    Column("rqth_apprenant", "rqth_apprenant", SECTION_APPRENANT, BOOLEAN,
           "L'apprenant bénéficie-t-il d'une reconnaissance de la qualité de travailleur handicapé (RQTH) ?",
           _BOOL, True),
    Column("date_rqth_apprenant", "date_rqth_apprenant", SECTION_APPRENANT, DATE,
           "Date d'obtention de la RQTH.", _DATE, _serial(45160)),
    Column("responsable_apprenant_mail1", "responsable_apprenant_mail1", SECTION_APPRENANT, TEXT,
           "Adresse email du premier responsable légal de l'apprenant (apprenant mineur).", _EMAIL,
           "marc.dupuis@domain.tld"),
    Column("responsable_apprenant_mail2", "responsable_apprenant_mail2", SECTION_APPRENANT, TEXT,
           "Adresse email du second responsable légal de l'apprenant (apprenant mineur).", _EMAIL,
           "jeanne.dupuis@domain.tld"),
    Column("dernier_organisme_uai", "dernier_organisme_uai", SECTION_APPRENANT, TEXT,
           "Établissement fréquenté par l'apprenant l'année précédente (SIFA « ETAB_N_1 ») : son UAI, ou à défaut "
           "le numéro de son département.",
           "UAI (7 chiffres et 1 lettre) ou département sur 3 chiffres (ex. : 044, 02A, 974)", "0123456A",
           as_text=True),
    Column("derniere_situation", "derniere_situation", SECTION_APPRENANT, INTEGER,
           "Situation de l'apprenant l'année précédente (SIFA « SIT_N_1 »). Pour une classe 1A de BTS l'an passé : "
           "4001 pour un scolaire, 4101 pour un apprenti.", "Code SIFA à 4 chiffres", 4101),
    Column("type_cfa", "type_cfa", SECTION_ORGANISME, TEXT, _TYPE_CFA, "Code de 01 à 10", "10", as_text=True),
    *_etablissement_columns("responsable", "responsable (organisme gestionnaire de la formation)", True),
    *_etablissement_columns("formateur", "formateur (organisme qui dispense la formation)", True),
    *_etablissement_columns("lieu_de_formation", "où se déroule la formation, s'il est différent du formateur", False),
    Column("etablissement_lieu_de_formation_adresse", "etablissement_lieu_de_formation_adresse", SECTION_ORGANISME,
           TEXT, "Adresse du lieu de formation.", "Texte libre", "64 bis, route de Paris"),
    Column("etablissement_lieu_de_formation_code_postal", "etablissement_lieu_de_formation_code_postal",
           SECTION_ORGANISME, TEXT, "Code postal du lieu de formation.", _CP, "44000", as_text=True),
    Column("annee_scolaire", "annee_scolaire *", SECTION_FORMATION, TEXT,
           "Année scolaire de la formation suivie.",
           "AAAA-AAAA, années consécutives ou identiques (ex. : 2024-2025)", "2024-2025", as_text=True),
    Column("annee_formation", "annee_formation *", SECTION_FORMATION, INTEGER,
           "Année de formation dans le cycle : 1 pour la première année, 2 pour la deuxième, etc.",
           "Chiffre de 1 à 5", 2),
    Column("formation_rncp", "formation_rncp *", SECTION_FORMATION, TEXT,
           "Code RNCP de la certification préparée (fiche France compétences).",
           "« RNCP » suivi de 5 chiffres, ou les chiffres seuls", "RNCP12345", as_text=True),
    Column("formation_cfd", "formation_cfd", SECTION_FORMATION, TEXT,
           "Code formation diplôme (CFD) de la formation, s'il existe.", "8 caractères", "50022145", as_text=True),
    Column("date_inscription_formation", "date_inscription_formation *", SECTION_FORMATION, DATE,
           "Date d'inscription de l'apprenant à la formation.", _DATE, _serial(44832)),
    Column("date_entree_formation", "date_entree_formation *", SECTION_FORMATION, DATE,
           "Date d'entrée effective de l'apprenant en formation.", _DATE, _serial(44832)),
    Column("date_fin_formation", "date_fin_formation *", SECTION_FORMATION, DATE,
           "Date de fin de formation prévue.", _DATE, _serial(44832)),
    Column("duree_theorique_formation_mois", "duree_theorique_formation_mois *", SECTION_FORMATION, INTEGER,
           "Durée théorique de la formation, en mois.", "Nombre entier de 1 à 48", 12),
    Column("libelle_court_formation", "libelle_court_formation", SECTION_FORMATION, TEXT,
           "Intitulé court de la formation.", "Texte libre", "CAP PATISSIER"),
    Column("obtention_diplome_formation", "obtention_diplome_formation", SECTION_FORMATION, BOOLEAN,
           "L'apprenant a-t-il obtenu le diplôme ? Laisser vide tant que la formation est en cours.", _BOOL, True),
    Column("date_obtention_diplome_formation", "date_obtention_diplome_formation", SECTION_FORMATION, DATE,
           "Date d'obtention du diplôme.", _DATE, _serial(44832)),
    Column("date_exclusion_formation", "date_exclusion_formation **", SECTION_FORMATION, DATE,
           "Date à laquelle l'apprenant a quitté la formation (exclusion, abandon). Obligatoire s'il l'a quittée : "
           "sans elle, son statut sera erroné.", _DATE, _serial(44832)),
    Column("cause_exclusion_formation", "cause_exclusion_formation", SECTION_FORMATION, TEXT,
           "Motif de la sortie de formation.", "Texte libre", _CAUSE),
    Column("formation_presentielle", "formation_presentielle", SECTION_FORMATION, BOOLEAN,
           "La formation est-elle suivie en présentiel ? Non si elle est suivie à 100 % à distance.", _BOOL, True),
    Column("nom_referent_handicap_formation", "nom_referent_handicap_formation", SECTION_FORMATION, TEXT,
           "Nom du référent handicap de la formation.", _NAME, "Dumas"),
    Column("prenom_referent_handicap_formation", "prenom_referent_handicap_formation", SECTION_FORMATION, TEXT,
           "Prénom du référent handicap de la formation.", _NAME, "Sylvie"),
    Column("email_referent_handicap_formation", "email_referent_handicap_formation", SECTION_FORMATION, TEXT,
           "Adresse email du référent handicap de la formation.", _EMAIL, "jeanne.dupuis@domain.tld"),
    *_contract_columns("", ""),
    *_contract_columns("_2", "2e"),
    *_contract_columns("_3", "3e"),
    *_contract_columns("_4", "4e"),
)
# fmt: on

TEMPLATE_HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
# Accepted by the importer although absent from the template (§2.2): INSEE codes of the communes.
# fmt: off
EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("code_commune_insee_de_naissance_apprenant", "code_commune_insee_de_naissance_apprenant",
           SECTION_APPRENANT, TEXT, "Code INSEE de la commune de naissance.", "5 caractères", "44109", as_text=True),
    Column("code_commune_insee_apprenant", "code_commune_insee_apprenant",
           SECTION_APPRENANT, TEXT, "Code INSEE de la commune de résidence.", "5 caractères", "44109", as_text=True),
)
# fmt: on
_COLUMN_BY_KEY = {c.key: c for c in (*COLUMNS, *EXTRA_COLUMNS)}
_INSERT_AFTER = {
    "code_postal_de_naissance_apprenant": EXTRA_COLUMNS[0].key,
    "code_postal_apprenant": EXTRA_COLUMNS[1].key,
}
# The importer's own order (also the preview's column order): the template's, with the INSEE codes inserted.
IMPORT_KEYS: tuple[str, ...] = tuple(
    key for c in COLUMNS for key in ((c.key,) if c.key not in _INSERT_AFTER else (c.key, _INSERT_AFTER[c.key]))
)
REQUIRED_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.requirement == "Oui")
ID_KEY = "id_erp_apprenant"

# --------------------------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------------------------

_TEMPLATE_HINT = "Veuillez respecter celui du fichier-modèle Excel téléchargeable."
_RESAVE_HINT = "Veuillez l'ouvrir dans Excel, l'enregistrer au format .xlsx puis l'importer à nouveau."


class ExcelImportError(Exception):
    """A file that cannot be imported; ``message`` is shown to the user, ``code`` is stable for logs and tests."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _error(code: str, **params: object) -> ExcelImportError:
    return ExcelImportError(_MESSAGES[code].format(**params), code)


_MESSAGES = {
    "fichier_trop_volumineux": "Votre fichier est trop volumineux ({size}). "
    "La taille maximale autorisée est de {limit}.",
    "fichier_vide": "Le fichier est vide. Veuillez sélectionner un fichier contenant vos effectifs.",
    "fichier_non_tableur": "Ce fichier n'est pas un fichier Excel (.xlsx) ou CSV lisible. Veuillez importer le "
    "fichier-modèle Excel téléchargeable, rempli avec vos effectifs.",
    "format_xls": "Le format .xls (Excel 97-2003) n'est pas pris en charge. Veuillez enregistrer votre fichier au "
    "format .xlsx (Fichier > Enregistrer sous > Classeur Excel) puis l'importer à nouveau.",
    "format_ods": "Le format OpenDocument (.ods) n'est pas pris en charge. Veuillez enregistrer votre fichier au "
    "format .xlsx (Fichier > Enregistrer sous > Excel 2007-365) puis l'importer à nouveau.",
    "fichier_protege": "Ce fichier est protégé par un mot de passe. Veuillez retirer la protection (dans Excel : "
    "Fichier > Informations > Protéger le classeur > Chiffrer avec mot de passe, puis effacer le mot de passe), "
    "l'enregistrer puis l'importer à nouveau.",
    "fichier_corrompu": "Le fichier est endommagé et ne peut pas être lu. " + _RESAVE_HINT,
    "archive_suspecte": "Le contenu de ce fichier est anormalement volumineux une fois décompressé ; il a été refusé "
    "par sécurité. " + _RESAVE_HINT,
    "feuille_absente": "Impossible de charger la première feuille du fichier Excel",
    "feuille_trop_grande": "Votre fichier contient des cellules remplies très loin du tableau (jusqu'à la ligne "
    "{row} et la colonne {column}). Veuillez supprimer les lignes et les colonnes inutiles puis "
    "importer à nouveau votre fichier.",
    "encodage_invalide": "Le fichier CSV n'a pas pu être lu : son encodage n'est pas reconnu. Veuillez l'enregistrer "
    "au format « CSV UTF-8 » ou au format .xlsx puis l'importer à nouveau.",
    "csv_invalide": "Le fichier CSV est mal formé (guillemets non refermés ou cellule trop longue). Veuillez "
    "l'enregistrer au format .xlsx puis l'importer à nouveau.",
    "entete_absente": "Le fichier ne contient aucune ligne : la première ligne doit contenir les intitulés de "
    "colonnes du fichier-modèle Excel téléchargeable.",
    "format_non_conforme": "Le format de votre fichier n'est pas conforme. " + _TEMPLATE_HINT,
    "trop_de_lignes": "Pour des raisons techniques et de sécurité, votre fichier ne doit pas dépasser {max} lignes. "
    "Veuillez téléverser un premier fichier de {max} lignes/effectifs et renouveler l'opération avec un deuxième "
    "fichier comprenant le nombre de lignes restantes.",
}
ERROR_CODES = frozenset(_MESSAGES)


def _mo(size: int) -> str:
    value = size / (1024 * 1024)
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{text} Mo"


def check_file_size(size: int, *, max_bytes: int = MAX_FILE_BYTES) -> None:
    """Refuse a file by its announced size, so that a view can answer before reading the upload."""
    if size > max_bytes:
        raise _error("fichier_trop_volumineux", size=_mo(size), limit=_mo(max_bytes))


# --------------------------------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One data row: ``line`` is its row number in the sheet, ``values`` has the 64 keys plus ``id_erp_apprenant``."""

    line: int
    values: dict[str, object]

    @property
    def id_erp_apprenant(self) -> str:
        """Learner identity key computed like the reference (see :func:`compute_id_erp_apprenant`)."""
        return str(self.values[ID_KEY])


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """The rows of a file, plus what was learnt about its columns (keys are normalised keys)."""

    rows: list[ParsedRow]
    columns_found: list[str]
    unknown_columns: list[str]
    missing_required_columns: list[str]
    duplicate_columns: list[str] = field(default_factory=list)
    source_format: str = "xlsx"


# --------------------------------------------------------------------------------------------------------------------
# Identity hash (§2.4 item 6)
# --------------------------------------------------------------------------------------------------------------------

_U32 = 0xFFFFFFFF


def cyrb53(text: str, seed: int = 0) -> str:
    """cyrb53 exactly as the reference's ``cyrb53Hash``: 16 lowercase hex chars, h2 then h1 (8 each).

    JavaScript hashes UTF-16 code units with ``Math.imul``; 32-bit products modulo 2**32 keep the same bits,
    and every value is kept unsigned so that ``>>>`` is a plain shift.
    """
    h1 = (0xDEADBEEF ^ seed) & _U32
    h2 = (0x41C6CE57 ^ seed) & _U32
    units = text.encode("utf-16-le", "surrogatepass")
    for (ch,) in struct.iter_unpack("<H", units):
        h1 = ((h1 ^ ch) * 2654435761) & _U32
        h2 = ((h2 ^ ch) * 1597334677) & _U32
    h1 = ((h1 ^ (h1 >> 16)) * 2246822507) & _U32
    h1 ^= ((h2 ^ (h2 >> 13)) * 3266489909) & _U32
    h2 = ((h2 ^ (h2 >> 16)) * 2246822507) & _U32
    h2 ^= ((h1 ^ (h1 >> 13)) * 3266489909) & _U32
    return f"{h2:08x}{h1:08x}"


def _normalize_name(value: object) -> str:
    # Reference: toLowerCase, NFD, strip U+0300-U+036F only (not every combining mark), then trim.
    text = unicodedata.normalize("NFD", str(value or "").lower())
    return "".join(ch for ch in text if not "\u0300" <= ch <= "\u036f").strip()


_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def compute_id_erp_apprenant(*, prenom: object, nom: object, date_de_naissance: object) -> str:
    """``id_erp_apprenant`` of an Excel row: cyrb53(normalize(prénom) + normalize(nom) + date "AAAA-MM-JJ").

    A date the importer could not convert counts as empty, as in the reference (where it was null).
    """
    date = str(date_de_naissance or "").strip()
    if not _ISO_DATE_RE.fullmatch(date):
        date = ""
    return cyrb53(_normalize_name(prenom) + _normalize_name(nom) + date)


# --------------------------------------------------------------------------------------------------------------------
# Headers and cells
# --------------------------------------------------------------------------------------------------------------------

# Tolerated beyond the reference (lower-case, no "*", trimmed): accents, spaces and hyphens instead of underscores
# ("Nom apprenant" -> nom_apprenant), and "_1" on the first contract's columns. Nothing that could turn one known
# key into another.
_ALIASES = {
    f"{base}_1": base
    for base in (
        "contrat_date_debut",
        "contrat_date_fin",
        "siret_employeur",
        "contrat_date_rupture",
        "cause_rupture_contrat",
    )
}


def header_to_key(header: object) -> str | None:
    """The normalised key a header cell stands for, or None when it is not a column the importer knows."""
    if header is None:
        return None
    text = str(header).lower().replace("*", "").strip()
    if text in _COLUMN_BY_KEY:
        return text
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    text = re.sub(r"[\s\-_]+", "_", text).strip("_")
    text = _ALIASES.get(text, text)
    return text if text in _COLUMN_BY_KEY else None


_DMY_RE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_YMD_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_INT_RE = re.compile(r"[+-]?\d+")
_TRUE_WORDS = frozenset({"1", "oui", "vrai", "true"})
_FALSE_WORDS = frozenset({"0", "non", "faux", "false"})


def _as_text(value: object) -> str | None:
    """What the user sees in the cell, as text: numbers without a spurious ".0", dates as AAAA-MM-JJ."""
    if type(value) is str:  # by far the most common cell, checked first (2000 x 62 cells per file)
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _to_date(value: object) -> object:
    if type(value) is dt.date:
        return value.isoformat()
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed in a cell not formatted as a date: Excel serial, days after 1899-12-30 (time of day dropped).
        # Serials 1 to 60 are one day off because of Excel's fictitious 1900-02-29, as in the reference.
        if math.isfinite(value) and 0 <= value < 2958466:  # 9999-12-31
            return (_EXCEL_EPOCH + dt.timedelta(days=math.floor(value))).isoformat()
        return _as_text(value)
    text = _as_text(value)
    if text is None:
        return None
    if match := _YMD_RE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY_RE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 2000 if year <= 40 else 1900  # reference pivot: 40 -> 2040, 41 -> 1941
    else:
        return text
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return text  # "31/02/2024": left for the validator to call "Date invalide"


def _to_boolean(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    text = _as_text(value)
    if text is None:
        return None
    word = text.lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return text


def _to_integer(value: object) -> object:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = _as_text(value)
    if text is not None and _INT_RE.fullmatch(text):
        return int(text)
    return text


_CONVERTERS = {TEXT: _as_text, DATE: _to_date, BOOLEAN: _to_boolean, INTEGER: _to_integer}


def convert_cell(key: str, value: object) -> object:
    """Convert one raw cell (xlsx value or CSV text) for the column ``key``, per §2.4 and the module's decisions."""
    return _CONVERTERS[_COLUMN_BY_KEY[key].kind](value)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------------------------

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def parse_file(
    *, filename: str, content: bytes, max_bytes: int = MAX_FILE_BYTES, max_rows: int = MAX_ROWS
) -> ParsedFile:
    """Read an uploaded ``.xlsx`` (first sheet) or ``.csv`` file into rows keyed by :data:`IMPORT_KEYS`.

    The first non-empty row holds the headers; data rows are the later rows with a value in a known column.
    Raises :class:`ExcelImportError` for every file that cannot be imported.
    """
    check_file_size(len(content), max_bytes=max_bytes)
    if not content:
        raise _error("fichier_vide")
    extension = posixpath.splitext(filename.strip().lower())[1]
    # The content decides, not the name: an .xls renamed .xlsx or an .xlsx without extension are recognised.
    if content.startswith(_CFB_MAGIC):
        # Excel encrypts an .xlsx into an OLE2 container holding these two streams; anything else is a legacy .xls.
        if "EncryptedPackage".encode("utf-16-le") in content or "EncryptionInfo".encode("utf-16-le") in content:
            raise _error("fichier_protege")
        raise _error("format_xls")
    if content.startswith(_ZIP_MAGICS):
        return _build(_xlsx_rows(content), max_rows=max_rows, source_format="xlsx")
    if extension == ".xls":
        raise _error("format_xls")  # some ERPs export HTML or XML under an .xls name
    if extension == ".csv":
        return _build(_csv_rows(content), max_rows=max_rows, source_format="csv")
    raise _error("fichier_non_tableur")


def _no_nul(value: object) -> object:
    # NUL is never meaningful in a cell, and PostgreSQL cannot store it (text nor jsonb): drop it at the source.
    return value.replace("\x00", "") or None if type(value) is str and "\x00" in value else value


def _build(rows: Iterable[tuple[int, Sequence[object]]], *, max_rows: int, source_format: str) -> ParsedFile:
    iterator = iter(rows)
    for _line, header_cells in iterator:
        if not all(_is_blank(c) for c in header_cells):
            break
    else:
        raise _error("entete_absente")

    index_by_key: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for index, cell in enumerate(header_cells):
        if _is_blank(cell):
            continue
        key = header_to_key(cell)
        label = _as_text(cell) or ""
        if key is None:
            unknown.append(label)
        elif key in index_by_key:
            duplicates.append(label)  # the first column wins; the user is told about the others
        else:
            index_by_key[key] = index
    if not index_by_key:
        raise _error("format_non_conforme")

    kept = [(key, index, _CONVERTERS[_COLUMN_BY_KEY[key].kind]) for key, index in index_by_key.items()]
    needed_width = max(index_by_key.values()) + 1
    empty_row = dict.fromkeys(IMPORT_KEYS)  # copied per row: keeps IMPORT_KEYS order, absent columns are None
    parsed: list[ParsedRow] = []
    for line, cells in iterator:
        if len(cells) < needed_width:  # CSV rows can be ragged
            cells = [*cells, *([None] * (needed_width - len(cells)))]
        converted = {key: _no_nul(convert(cells[index])) for key, index, convert in kept}
        # Every converter gives None for a blank cell and only for it, so this is "the row is blank".
        if list(converted.values()).count(None) == len(converted):
            continue
        if len(parsed) >= max_rows:
            raise _error("trop_de_lignes", max=max_rows)
        values = empty_row.copy()
        values.update(converted)
        values[ID_KEY] = compute_id_erp_apprenant(
            prenom=values["prenom_apprenant"],
            nom=values["nom_apprenant"],
            date_de_naissance=values["date_de_naissance_apprenant"],
        )
        parsed.append(ParsedRow(line=line, values=values))

    return ParsedFile(
        rows=parsed,
        columns_found=list(index_by_key),
        unknown_columns=unknown,
        missing_required_columns=[k for k in REQUIRED_KEYS if k not in index_by_key],
        duplicate_columns=duplicates,
        source_format=source_format,
    )


# ---- xlsx ----------------------------------------------------------------------------------------------------------


def _xlsx_rows(content: bytes) -> list[tuple[int, list[object]]]:
    _check_archive(content)
    # Imported here so that the exports and the template do not pay for the Rust extension at import time.
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_object(io.BytesIO(content))
        if not workbook.sheet_names:
            raise _error("feuille_absente")
        grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except ExcelImportError:
        raise
    except PasswordError as exc:
        raise _error("fichier_protege") from exc
    except Exception as exc:  # calamine raises several types (CalamineError, ValueError...) for broken files
        raise _error("fichier_corrompu") from exc
    # skip_empty_area=False keeps the grid anchored at A1: index + 1 is the row number shown by Excel.
    return [(index + 1, row) for index, row in enumerate(grid)]


def _check_archive(content: bytes) -> None:
    """Check the zip before calamine inflates it: sizes, then every entry inflated with a cap and bounded.

    Declared sizes are checked first (cheap refusal of obvious bombs), then every entry is inflated with a cap,
    since the central directory can lie about sizes: the real total must stay under the limit and match it.
    Every entry is then bounded as if it were a sheet (see :func:`_check_sheet_area`): calamine finds sheets
    through relations that can point anywhere, so checking "the first sheet" would trust what it means to protect.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _error("fichier_corrompu") from exc
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise _error("archive_suspecte")
    for info in infos:
        if info.file_size > _RATIO_MIN_ENTRY_BYTES and info.file_size > MAX_COMPRESSION_RATIO * info.compress_size:
            raise _error("archive_suspecte")
    names = {info.filename: info for info in infos}
    if "xl/workbook.xml" not in names:
        mimetype = names.get("mimetype")
        if mimetype is not None and mimetype.file_size < 100:
            data, _size = _inflate(content, mimetype, budget=100)
            if b"opendocument.spreadsheet" in data:
                raise _error("format_ods")
        raise _error("fichier_non_tableur")
    for info in infos:
        if info.flag_bits & 0x1:
            raise _error("fichier_protege")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _error("fichier_corrompu")

    budget = MAX_UNCOMPRESSED_BYTES
    for info in infos:
        data, size = _inflate(content, info, budget=budget)
        budget -= size
        _check_sheet_area(data)


def _inflate(content: bytes, info: zipfile.ZipInfo, *, budget: int) -> tuple[bytes, int]:
    offset = info.header_offset
    header = content[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _error("fichier_corrompu")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    compressed = content[start : start + info.compress_size]
    if len(compressed) != info.compress_size:
        raise _error("fichier_corrompu")
    limit = min(info.file_size, budget)
    chunks: list[bytes] = []
    size = crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        pieces: Iterator[bytes] = iter((compressed,))
    else:
        pieces = _inflate_pieces(compressed, limit)
    for piece in pieces:
        size += len(piece)
        if size > limit:
            raise _error("archive_suspecte")
        crc = zlib.crc32(piece, crc)
        chunks.append(piece)
    if size != info.file_size or crc != info.CRC:
        raise _error("fichier_corrompu")
    return b"".join(chunks), size


def _inflate_pieces(compressed: bytes, limit: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pending = compressed
    produced = 0
    while True:
        try:
            piece = inflater.decompress(pending, _INFLATE_CHUNK)
        except zlib.error as exc:
            raise _error("fichier_corrompu") from exc
        produced += len(piece)
        yield piece
        if produced > limit or inflater.eof:
            return
        pending = inflater.unconsumed_tail
        if not piece and not pending:
            raise _error("fichier_corrompu")  # truncated deflate stream


# Fast path, sound for sheets written the usual way (Excel, LibreOffice, openpyxl, SheetJS): every cell tag is
# `<c r="A1"` (no prefix, no cell placed implicitly), no other bare `r` attribute (calamine takes the last of
# duplicated ones, even without a space before it), and no reference beyond column CZ or row 9999: at most
# 104 x 9999 cells. Calamine accepts lower-case references and ignores element prefixes, hence the patterns.
# Any doubt (an unexpected `r="` in a text, say) only sends the sheet to the exact, 5 times slower, scan.
# (Patterns with a literal prefix each: ten times faster than one alternation or a look-behind.)
_ODD_CELL_TAG_RE = re.compile(rb'<c(?=[\s/>])(?! r=")')
_PREFIXED_CELL_TAG_RE = re.compile(rb":c[\s/>]")
_SPACED_ATTRIBUTE_RE = re.compile(rb"r\s+=")
_FAR_CELL_RE = re.compile(rb'<c r="(?:[D-Zd-z][A-Za-z]|[A-Za-z]{3}|[A-Za-z]{1,2}\d{5})')
# Contain `r=` without being a bare `r` attribute: prefixed ones (xmlns:r, which calamine ignores) and attribute
# names ending with "r" found in Excel and LibreOffice sheets.
_OTHER_R_ENDINGS = (b":r=", b"xr=", b"header=", b"footer=", b"operator=", b"PageNumber=", b"pageOrder=", b"GridColor=")
# Exact scan: attribute values may hold ">" or use single quotes, so they are tokenised rather than searched.
_ROW_OR_CELL_RE = re.compile(rb"""<(?:[\w.-]+:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE_RE = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF_RE = re.compile(rb"([A-Za-z]+)(\d+)")


def _check_sheet_area(sheet_xml: bytes) -> None:
    """Refuse a sheet whose cells span more than :data:`MAX_SHEET_CELLS` before calamine allocates that grid.

    Mirrors calamine's positions: a cell's ``r`` reference, else the next cell of the row tag's row, whose number
    is its own ``r`` or the previous row tag's plus one. Self-closing cells hold no value and are ignored, as
    calamine ignores them; other empty cells are counted, which can only overestimate.
    """
    r_attributes = sheet_xml.count(b"r=")
    expected = sheet_xml.count(b'<c r="') + sheet_xml.count(b'<row r="') + sum(map(sheet_xml.count, _OTHER_R_ENDINGS))
    if (
        _ODD_CELL_TAG_RE.search(sheet_xml) is None
        and _PREFIXED_CELL_TAG_RE.search(sheet_xml) is None
        and r_attributes == expected
        and _SPACED_ATTRIBUTE_RE.search(sheet_xml) is None
        and _FAR_CELL_RE.search(sheet_xml) is None
    ):
        return
    row_tag_row = col = 0
    max_row = max_col = 0
    for match in _ROW_OR_CELL_RE.finditer(sheet_xml):
        tag, attributes = match.groups()
        refs = [m.group(2) or m.group(3) or b"" for m in _ATTRIBUTE_RE.finditer(attributes) if m.group(1) == b"r"]
        if tag == b"row":
            if refs and not all(ref.isdigit() for ref in refs):
                raise _error("fichier_corrompu")
            row_tag_row = max(int(ref) for ref in refs) if refs else row_tag_row + 1
            col = 0
            continue
        if refs:
            cells = [_CELL_REF_RE.fullmatch(ref) for ref in refs]
            if not all(cells):
                raise _error("fichier_corrompu")  # calamine refuses such references too
            # A duplicated attribute is invalid XML: take the farthest, never the nearest.
            col = max(_column_number(cell.group(1)) for cell in cells if cell)
            row = max(int(cell.group(2)) for cell in cells if cell)
        else:
            col, row = col + 1, row_tag_row
        if attributes.rstrip().endswith(b"/"):
            continue
        max_row, max_col = max(max_row, row), max(max_col, col)
    if max_row * max_col > MAX_SHEET_CELLS:
        raise _error("feuille_trop_grande", row=max_row, column=_column_letters(max_col))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---- csv -----------------------------------------------------------------------------------------------------------

_DELIMITERS = (";", ",", "\t")


def _decode_csv(content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Texte Unicode"), else Windows-1252."""
    try:
        if content.startswith(b"\xef\xbb\xbf"):
            text = content[3:].decode("utf-8")
        elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = content.decode("utf-16")
        else:
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                # Excel's plain "CSV (séparateur : point-virgule)" on French Windows writes cp1252.
                text = content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _error("encodage_invalide") from exc
    if "\x00" in text:
        raise _error("encodage_invalide")  # binary content under a .csv name
    return text


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode_csv(content)
    first_line, _newline, rest = text.partition("\n")
    if re.fullmatch(r"sep=.", first_line.rstrip("\r"), flags=re.IGNORECASE):
        # Excel's "sep=;" hint line sets the delimiter and is not shown as a row, so numbering starts after it.
        delimiter, text = first_line[4], rest
    else:
        # The header line decides; a tie (one column) falls back on ";", French Excel's default.
        header_line = next((line for line in io.StringIO(text) if line.strip()), "")
        delimiter = max(_DELIMITERS, key=lambda d: (header_line.count(d), d == ";"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise _error("csv_invalide") from exc


# --------------------------------------------------------------------------------------------------------------------
# Template (§2.2)
# --------------------------------------------------------------------------------------------------------------------

_DATE_FORMAT = "DD/MM/YYYY"
# From the "Les données obligatoires" modal (§2.3), written below the descriptions.
TEMPLATE_NOTES = (
    "* : champ obligatoire pour chaque effectif.",
    "** : champ obligatoire seulement s'il est pertinent, car il dépend du parcours de l'effectif (si l'apprenant a "
    "un contrat, il faut renseigner la date de début du contrat, par exemple). Sans lui, le statut de l'effectif "
    "sera erroné.",
    "Vous pouvez remplir directement la feuille « Modèle » avec vos effectifs. Veuillez ne pas modifier "
    "l'intitulé des colonnes.",
)


def _display(value: object) -> str:
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def build_template() -> bytes:
    """The downloadable template: sheet "Modèle" (62 headers, example row) and sheet "Description des données"."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE5F4")
    section_fill = PatternFill("solid", fgColor="F6F6F6")
    workbook = Workbook()
    model = workbook.active
    model.title = "Modèle"
    model.append(list(TEMPLATE_HEADERS))
    model.append([c.example for c in COLUMNS])
    for number, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(number)
        header, example = model.cell(1, number), model.cell(2, number)
        header.font, header.fill = bold, header_fill
        dimension = model.column_dimensions[letter]
        dimension.width = max(14, len(column.header) + 2)
        # Column styles apply to every row the user fills, so identifiers keep their leading zeros.
        if column.as_text:
            dimension.number_format = example.number_format = "@"
        elif column.kind == DATE:
            dimension.number_format = example.number_format = _DATE_FORMAT
    model.freeze_panes = "A2"

    description = workbook.create_sheet("Description des données")
    description.append(["Nom du champ", "Obligatoire", "Description", "Format", "Exemple"])
    for cell in description[1]:
        cell.font, cell.fill = bold, header_fill
    for section in SECTIONS:
        description.append([section])
        label = description.cell(description.max_row, 1)
        label.font, label.fill = bold, section_fill
        for column in (c for c in COLUMNS if c.section == section):
            description.append(
                [column.header, column.requirement, column.description, column.format, _display(column.example)]
            )
    description.append([])
    for note in TEMPLATE_NOTES:
        description.append([note])
    for letter, width in zip("ABCDE", (44, 14, 80, 50, 30), strict=True):
        description.column_dimensions[letter].width = width
        if letter in "CD":
            for cell in description[letter]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    description.freeze_panes = "A2"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------------------------
# Exports (§5): formula injection
# --------------------------------------------------------------------------------------------------------------------

# OWASP "CSV injection": cells starting with these are formulas to Excel/LibreOffice (tab and CR too, as some
# applications strip them before parsing).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A signed number or a phone number ("+33 6 12 34 56 78", "-12,5") cannot carry a payload: left readable.
_PLAIN_NUMBER_RE = re.compile(r"[+-]?\d[\d .,]*")


def neutralize_formula(value: object) -> object:
    """Prefix with an apostrophe a string that a spreadsheet would read as a formula; return others unchanged.

    The apostrophe is the OWASP recommendation: visible, it tells the reader the text was defused, and it survives
    a round trip through CSV, where a cell style would be lost.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS) and not _PLAIN_NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


_IDENTIFIER_TOKENS = frozenset(
    {"siret", "siren", "uai", "cfd", "rncp", "insee", "postal", "departement", "region", "telephone", "tel", "ine"}
)


def _is_identifier(header: str) -> bool:
    plain = "".join(c for c in unicodedata.normalize("NFD", header.lower()) if not unicodedata.combining(c))
    return any(token in _IDENTIFIER_TOKENS for token in re.split(r"[^a-z0-9]+", plain))


def xlsx_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    sheet_name: str = "Liste",
    *,
    text_columns: Collection[str] | None = None,
) -> bytes:
    """A one-sheet export (header row frozen) for every xlsx download of the product.

    Strings are passed through :func:`neutralize_formula`; identifier columns (``text_columns``, by default the
    headers naming a SIRET, UAI, CFD, RNCP, postal/INSEE code, département, région or phone) are written as text
    so that leading zeros survive; dates become real Excel dates, aware datetimes in Paris time.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if text_columns is None:
        text_columns = {h for h in headers if _is_identifier(h)}
    as_text = [h in text_columns for h in headers]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    for number, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = min(50, max(12, len(header) + 2))
    sheet.freeze_panes = "A2"

    def cell(value: object, text: bool) -> object:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl refuses control characters
            out = WriteOnlyCell(sheet, value=neutralize_formula(value))
        elif isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool) and text:
            out = WriteOnlyCell(sheet, value=_as_text(value))
        elif isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None)  # Excel has no time zones
            out = WriteOnlyCell(sheet, value=value)
            out.number_format = "DD/MM/YYYY HH:MM"
            return out
        elif isinstance(value, dt.date):
            out = WriteOnlyCell(sheet, value=value)
            out.number_format = _DATE_FORMAT
            return out
        elif value is None or isinstance(value, bool | int | float | decimal.Decimal):
            out = WriteOnlyCell(sheet, value=value)
        else:
            out = WriteOnlyCell(sheet, value=neutralize_formula(str(value)))
        if text:
            out.number_format = "@"
        return out

    header_cells = []
    for header in headers:
        header_cell = WriteOnlyCell(sheet, value=neutralize_formula(header))
        header_cell.font = Font(bold=True)
        header_cells.append(header_cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([cell(value, as_text[i] if i < len(as_text) else False) for i, value in enumerate(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
