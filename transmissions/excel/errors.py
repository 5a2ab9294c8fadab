"""Limits of an upload and the errors that refuse a file (spec pages-import-sifa.md §2).

Every bad file raises :class:`ExcelImportError`: a French message shown to the user and a stable code for logs and
tests. :func:`check_file_size` lets a view refuse a file by its announced size before reading it.
"""

from __future__ import annotations

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
