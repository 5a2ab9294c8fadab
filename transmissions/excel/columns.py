"""The columns of the template (spec pages-import-sifa.md §2.2) and how headers map to normalised keys.

Each :class:`Column` holds its exact header, how its cells are converted and how it is documented; the key lists
(``IMPORT_KEYS``, ``REQUIRED_KEYS``) and :func:`header_to_key`, which tolerates the usual variants of a header, are
derived from them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

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
# Headers
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
