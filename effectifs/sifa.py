"""SIFA survey file ("Mon enquête SIFA"): who is included, what is missing, and the 47-column file.

SIFA is the DEPP's yearly count of every apprentice registered on 31 December of year N; the CFA
uploads this file on https://sifa.depp.education.fr in January N+1. This module is pure (no Django,
no database): a selector maps each effectif to a `SifaEffectif`, including the status parcours
computed by `effectifs.statuts`, and everything else happens here.

Reference: spec `pages-import-sifa.md` §3 (flux-retour-cfas, last working SIFA module). Where the
reference has a quirk, the decision is written next to the code that makes it; the wire format the
DEPP portal reads (column order, quoting, placeholders, date format) is kept as is.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

PARIS = ZoneInfo("Europe/Paris")

# Statuses of the parcours (same strings as `effectifs.statuts`, not imported: pure modules import no app).
INSCRIT = "INSCRIT"
APPRENTI = "APPRENTI"
RUPTURANT = "RUPTURANT"
ABANDON = "ABANDON"
FIN_DE_FORMATION = "FIN_DE_FORMATION"
SIFA_STATUTS = frozenset({APPRENTI, RUPTURANT})

# The INE placeholder keeps the first column non-empty on the DEPP side (reference ticket TM-703).
INE_PLACEHOLDER = '=""'

COLUMNS: tuple[str, ...] = (
    "INE", "NUMERO_UAI", "TYPE_CFA", "SIT_FORM", "UAI_EPLE", "NAT_STR_JUR", "STATUT", "DIPLOME", "RNCP",
    "DUR_FORM_THEO", "DUR_FORM_REELLE", "AN_FORM", "NOM", "NOM2", "PRENOM1", "PRENOM2", "PRENOM3", "ADRESSE",
    "COD_POST", "COM_RESID", "TEL_JEUNE", "TEL_RESP1_PERSO", "TEL_RESP1_PRO", "TEL_RESP2_PERSO", "TEL_RESP2_PRO",
    "MAIL_JEUNE", "MAIL_RESP1", "MAIL_RESP2", "DATE_NAIS", "LIEU_NAIS", "SEXE", "REGIME_SCO", "PCS", "HANDI",
    "NATIO", "SIT_AV_APP", "DIP_OBT", "SIT_N_1", "ETAB_N_1", "TYPE_EMP", "DATE_ENTREE_CFA", "DATE_DEB_CONT",
    "DATE_RUPT_CONT", "COM_ETAB", "NAF_ETAB", "NBSAL_EMP", "SIRET_EMP",
)  # fmt: skip

Value = str | int | float | None


@dataclass(frozen=True, kw_only=True)
class SifaEffectif:
    """What the SIFA file and the missing-field rule read from one effectif (reference paths in comments).

    Strings are given as stored; `None` (or "") means absent. `parcours` is the status parcours:
    change points `(date, statut)`, ascending, as computed by `effectifs.statuts`.
    """

    ine: str | None = None  # apprenant.ine
    uai_organisme: str | None = None  # organisme.uai of the organisme being exported
    # The two UAIs below are filled by the caller only when the effectif carries the three links
    # organisme / responsable / formateur (API v3 and file data); otherwise leave them None.
    uai_responsable: str | None = None  # organismes[organisme_responsable_id].uai
    uai_formateur: str | None = None  # organismes[organisme_formateur_id].uai
    type_cfa: str | None = None  # apprenant.type_cfa ("01"…"10")
    cfd: str | None = None  # formation.cfd (the caller may resolve it from the RNCP through the référentiel)
    rncp: str | None = None  # formation.rncp
    duree_theorique_mois: int | None = None  # formation.duree_theorique_mois
    duree_formation_relle: int | None = None  # formation.duree_formation_relle (sic, reference spelling)
    annee: int | None = None  # formation.annee (year within the formation, 0…5)
    nom: str | None = None  # apprenant.nom
    prenom: str | None = None  # apprenant.prenom
    adresse_complete: str | None = None  # apprenant.adresse.complete
    adresse_numero: int | str | None = None  # apprenant.adresse.numero
    adresse_repetition_voie: str | None = None  # apprenant.adresse.repetition_voie
    adresse_voie: str | None = None  # apprenant.adresse.voie
    adresse_commune: str | None = None  # apprenant.adresse.commune
    adresse_code_postal: str | None = None  # apprenant.adresse.code_postal
    adresse_code_insee: str | None = None  # apprenant.adresse.code_insee
    telephone: str | None = None  # apprenant.telephone
    courriel: str | None = None  # apprenant.courriel
    representant_legal_telephone: str | None = None  # apprenant.representant_legal.telephone
    representant_legal_courriel: str | None = None  # apprenant.representant_legal.courriel
    representant_legal_pcs: int | None = None  # apprenant.representant_legal.pcs
    date_de_naissance: date | None = None  # apprenant.date_de_naissance
    naissance_code_postal: str | None = None  # apprenant.adresse_naissance.code_postal
    naissance_code_insee: str | None = None  # apprenant.adresse_naissance.code_insee
    sexe: str | None = None  # apprenant.sexe ("M" / "F")
    regime_scolaire: str | None = None  # apprenant.regime_scolaire (I, D, E, IE)
    rqth: bool | None = None  # apprenant.rqth
    nationalite: int | None = None  # apprenant.nationalite (1, 2, 3)
    situation_avant_contrat: int | None = None  # apprenant.situation_avant_contrat
    dernier_diplome: int | None = None  # apprenant.dernier_diplome
    derniere_situation: int | None = None  # apprenant.derniere_situation (SIFA N-1 code)
    dernier_organisme_uai: str | None = None  # apprenant.dernier_organisme_uai (UAI or département)
    # Last contract = last element of `contrats` as stored (the reference does not sort by date).
    contrat_type_employeur: int | None = None  # contrats[-1].type_employeur
    contrat_date_debut: date | None = None  # contrats[-1].date_debut
    contrat_date_rupture: date | None = None  # contrats[-1].date_rupture
    contrat_code_postal: str | None = None  # contrats[-1].adresse.code_postal (employer)
    contrat_naf: str | None = None  # contrats[-1].naf
    contrat_nombre_de_salaries: int | None = None  # contrats[-1].nombre_de_salaries
    contrat_siret: str | None = None  # contrats[-1].siret
    parcours: tuple[tuple[date, str], ...] = ()  # _computed.statut.parcours [(date, valeur)]


# --- Who is included (§3.4) -------------------------------------------------------------------


def sifa_snapshot_date(today: date) -> date:
    """Observation date: 31 December of N, N = this year from August on, else last year (school year)."""
    year = today.year if today.month >= 8 else today.year - 1
    return date(year, 12, 31)


def annees_scolaires_sifa(snapshot: date) -> tuple[str, str]:
    """Candidate `annee_scolaire` values for a snapshot of 31/12/N: ("N-N", "N-(N+1)")."""
    n = snapshot.year
    return (f"{n}-{n}", f"{n}-{n + 1}")


def statut_at(parcours: Iterable[tuple[date, str]], when: date) -> str | None:
    """Status at `when`: the change point with the greatest date ≤ `when`; on ties the later entry wins."""
    current: str | None = None
    current_date: date | None = None
    # Same scan as the reference (no sorting), so an unsorted parcours gives the same answer.
    for change_date, statut in parcours:
        if change_date <= when and (current_date is None or change_date >= current_date):
            current, current_date = statut, change_date
    return current


def is_eligible(e: SifaEffectif, snapshot: date) -> bool:
    """True when the learner is APPRENTI or RUPTURANT on the snapshot date (no parcours → excluded)."""
    return statut_at(e.parcours, snapshot) in SIFA_STATUTS


# --- Missing fields (§3.5) --------------------------------------------------------------------

MISSING_FIELD_LABELS: dict[str, str] = {
    "apprenant.nom": "Nom",
    "apprenant.prenom": "Prénom",
    "apprenant.date_de_naissance": "Date de naissance",
    "apprenant.adresse_naissance.code_postal": "Code postal de naissance",
    "apprenant.sexe": "Sexe",
    "apprenant.derniere_situation": "Situation de l’apprenant l’année dernière (N-1)",
    "apprenant.dernier_organisme_uai": "Établissement fréquenté l’année dernière (N-1)",
    "apprenant.type_cfa": "Type de CFA",
    "formation.duree_formation_relle": "Durée réelle de la formation (en mois)",
    "formation.duree_theorique_mois": "Durée théorique de la formation (en mois)",
    "apprenant.adresse.voie": "Adresse : voie",
    "apprenant.adresse.code_postal": "Adresse : code postal",
    "apprenant.adresse.commune": "Adresse : commune",
}


def _is_empty(value: object) -> bool:
    # Quirk kept on purpose: numeric 0 counts as empty, as in the reference. Every numeric required
    # field has no valid 0 (durations of 0 months, `derniere_situation` 0 = "none" which the API
    # already turns into absent), so flagging it is right. Whitespace-only text counts as empty too.
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 0
    return False


def missing_fields(e: SifaEffectif) -> list[str]:
    """Reference paths of the SIFA-required fields that are empty, in the reference's order."""
    checks = [
        ("apprenant.nom", e.nom),
        ("apprenant.prenom", e.prenom),
        ("apprenant.date_de_naissance", e.date_de_naissance),
        # Deliberate fix: the reference checked the birth postal code but exports the INSEE code
        # (LIEU_NAIS), so a postal code that never resolved to a commune passed as complete and the
        # file went out with an empty mandatory column. We flag the field the user can correct (the
        # postal code) whenever the exported INSEE code is missing.
        ("apprenant.adresse_naissance.code_postal", e.naissance_code_insee),
        ("apprenant.sexe", e.sexe),
        ("apprenant.derniere_situation", e.derniere_situation),
        ("apprenant.dernier_organisme_uai", e.dernier_organisme_uai),
        ("apprenant.type_cfa", e.type_cfa),
        ("formation.duree_formation_relle", e.duree_formation_relle),
        ("formation.duree_theorique_mois", e.duree_theorique_mois),
    ]
    if _is_empty(e.adresse_complete):
        checks += [
            ("apprenant.adresse.voie", e.adresse_voie),
            ("apprenant.adresse.code_postal", e.adresse_code_postal),
            ("apprenant.adresse.commune", e.adresse_commune),
        ]
    return [path for path, value in checks if _is_empty(value)]


# --- Row building (§3.6) ----------------------------------------------------------------------


def _translit_table() -> dict[int, str]:
    table: dict[int, str] = {}
    ranges = [
        ("A", 0xC0, 0xC6), ("a", 0xE0, 0xE6), ("E", 0xC8, 0xCB), ("e", 0xE8, 0xEB),
        ("I", 0xCC, 0xCF), ("i", 0xEC, 0xEF), ("O", 0xD2, 0xD8), ("o", 0xF2, 0xF8),
        ("U", 0xD9, 0xDC), ("u", 0xF9, 0xFC), ("N", 0xD1, 0xD1), ("n", 0xF1, 0xF1),
        ("C", 0xC7, 0xC7), ("c", 0xE7, 0xE7),
    ]  # fmt: skip
    for letter, first, last in ranges:
        table.update(dict.fromkeys(range(first, last + 1), letter))
    # The reference ranges Ò–Ø / ò–ø also swallow × and ÷ (which became "O"/"o"): they are not letters,
    # so they are dropped like any other symbol. The French letters the reference forgot (Œ, Ÿ) are
    # transliterated instead of silently disappearing from the name ("Cœur" gave "Cur").
    del table[0xD7], table[0xF7]
    table.update({ord("Œ"): "OE", ord("œ"): "oe", ord("Ÿ"): "Y", ord("ÿ"): "y"})
    return table


_TRANSLIT = _translit_table()
_NOT_ALNUM_OR_SPACE = re.compile(r"[^0-9a-zA-Z ]")


def clean_name(value: str | None, max_length: int = 100) -> str | None:
    """NOM/PRENOM1 cleaning: accents transliterated, hyphens → spaces, other symbols dropped, truncated."""
    if not value:
        return None
    text = value.translate(_TRANSLIT).replace("-", " ")
    return _NOT_ALNUM_OR_SPACE.sub("", text)[:max_length]


def _present(value: object) -> bool:
    return value is not None and value != ""


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _adresse(e: SifaEffectif) -> str:
    if _present(e.adresse_complete):
        adresse = str(e.adresse_complete)
    elif any(_present(p) for p in (e.adresse_numero, e.adresse_repetition_voie, e.adresse_voie)):
        # Missing parts stay as empty strings between single spaces, as in the reference.
        adresse = f"{_text(e.adresse_numero)} {_text(e.adresse_repetition_voie)} {_text(e.adresse_voie)}"
    else:
        # The reference wrote "  " for an address holding only a postal code; nothing is clearer.
        return ""
    return adresse[:200]


def _phone(value: str | None) -> str | None:
    # Only the first "+33" is replaced, like the reference's String.replace.
    return value.replace("+33", "0", 1) if value else None


def _ddmmyyyy(value: date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(PARIS)
    return f"{value.day:02d}{value.month:02d}{value.year:04d}"


def _etab_n_1(uai: str | None) -> str | None:
    if not uai:
        return None
    # 8 characters = a UAI; anything shorter is a département, left-padded ("75" → "075", "2A" → "02A").
    return uai if len(uai) == 8 else uai.rjust(3, "0")


def _sexe(sexe: str | None) -> str | None:
    # Quirk not kept: the reference wrote "2" (female) for an unknown sex. SEXE is mandatory and already
    # reported as missing; leaving it empty lets the DEPP portal reject the row instead of silently
    # counting the learner as a woman in national statistics.
    code = (sexe or "").strip().upper()
    return {"M": "1", "F": "2"}.get(code)


def build_row(e: SifaEffectif) -> list[Value]:
    """The 47 values of one SIFA line, in `COLUMNS` order (str quoted, int bare, None empty in the CSV)."""
    return [
        e.ine if _present(e.ine) else INE_PLACEHOLDER,  # INE
        e.uai_responsable or e.uai_organisme,  # NUMERO_UAI
        e.type_cfa or None,  # TYPE_CFA
        e.uai_formateur or "",  # SIT_FORM
        "NC",  # UAI_EPLE: cannot be determined, agreed with the DEPP
        "NC",  # NAT_STR_JUR
        "APP",  # STATUT
        e.cfd or None,  # DIPLOME
        # The DEPP accepts one kind of code per file: the RNCP is only given when there is no CFD.
        (e.rncp or None) if not e.cfd else "",  # RNCP
        e.duree_theorique_mois or None,  # DUR_FORM_THEO (0 = unknown, as in the reference)
        e.duree_formation_relle,  # DUR_FORM_REELLE
        None if e.annee is None else f"{e.annee}A",  # AN_FORM
        clean_name(e.nom),  # NOM
        "",  # NOM2
        clean_name(e.prenom),  # PRENOM1
        "",  # PRENOM2
        "",  # PRENOM3
        _adresse(e),  # ADRESSE
        e.adresse_code_postal or None,  # COD_POST
        e.adresse_code_insee or None,  # COM_RESID
        _phone(e.telephone),  # TEL_JEUNE
        _phone(e.representant_legal_telephone),  # TEL_RESP1_PERSO
        # Quirk not kept: the reference copied the personal phone here; we do not know a work number,
        # so the optional column stays empty rather than declaring the same number twice.
        "",  # TEL_RESP1_PRO
        "",  # TEL_RESP2_PERSO
        "",  # TEL_RESP2_PRO
        e.courriel or None,  # MAIL_JEUNE
        e.representant_legal_courriel or None,  # MAIL_RESP1
        "",  # MAIL_RESP2
        _ddmmyyyy(e.date_de_naissance),  # DATE_NAIS
        # Kept: the DEPP wants the INSEE code of the birth commune, not the postal code users enter;
        # ingestion resolves it from the postal code (see missing_fields for the warning).
        e.naissance_code_insee or None,  # LIEU_NAIS
        _sexe(e.sexe),  # SEXE
        e.regime_scolaire or None,  # REGIME_SCO
        e.representant_legal_pcs,  # PCS
        # Kept: HANDI "0" when RQTH is unknown; only a declared RQTH is a "1" for the DEPP.
        "1" if e.rqth else "0",  # HANDI
        e.nationalite,  # NATIO
        e.situation_avant_contrat,  # SIT_AV_APP
        str(e.dernier_diplome).rjust(2, "0") if e.dernier_diplome else "",  # DIP_OBT
        e.derniere_situation,  # SIT_N_1
        _etab_n_1(e.dernier_organisme_uai),  # ETAB_N_1
        e.contrat_type_employeur,  # TYPE_EMP
        "",  # DATE_ENTREE_CFA: not implemented by the reference either
        _ddmmyyyy(e.contrat_date_debut),  # DATE_DEB_CONT
        _ddmmyyyy(e.contrat_date_rupture),  # DATE_RUPT_CONT
        e.contrat_code_postal or None,  # COM_ETAB
        e.contrat_naf or None,  # NAF_ETAB
        e.contrat_nombre_de_salaries,  # NBSAL_EMP
        e.contrat_siret or None,  # SIRET_EMP
    ]


def build_rows(effectifs: Iterable[SifaEffectif], *, snapshot: date) -> list[list[Value]]:
    """Rows of the effectifs eligible at `snapshot`, in the given order."""
    return [build_row(e) for e in effectifs if is_eligible(e, snapshot)]


# --- Files ------------------------------------------------------------------------------------


def _csv_value(value: Value) -> str:
    # json2csv 5 defaults: strings quoted with inner quotes doubled, numbers bare, null/undefined empty.
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, bool):
        raise TypeError("SIFA values are never booleans")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # JavaScript prints 24.0 as "24".
        return str(int(value)) if value.is_integer() else repr(value)
    raise TypeError(f"Unsupported SIFA value: {value!r}")


def _check_width(row: Sequence[Value]) -> None:
    if len(row) != len(COLUMNS):
        raise ValueError(f"A SIFA row has {len(COLUMNS)} values, got {len(row)}")


def to_csv(rows: Iterable[Sequence[Value]]) -> bytes:
    """CSV for the DEPP portal: UTF-8 with BOM, ";" separated, no header, "\\n" between lines, none at the end."""
    lines = []
    for row in rows:
        _check_width(row)
        lines.append(";".join(_csv_value(v) for v in row))
    return ("\ufeff" + "\n".join(lines)).encode("utf-8")


def _xlsx_value(ws: object, value: Value) -> object:
    if not isinstance(value, str):
        return value
    # openpyxl turns any text starting with "=" into a formula: the `=""` INE placeholder (and user text
    # such as an address) must stay literal text, which also prevents formula injection.
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def to_xlsx(rows: Iterable[Sequence[Value]]) -> bytes:
    """XLSX to complete by hand: sheet "Data", row 1 = the 47 column names, then one row per effectif."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(list(COLUMNS))
    for row in rows:
        _check_width(row)
        ws.append([_xlsx_value(ws, v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def file_name(organisme_nom: str | None, today: date, ext: str) -> str:
    """Download name `tdb-donnees-sifa-{nom}-{YYYY-MM-DD}.{ext}`, ASCII-only for Content-Disposition."""
    if ext not in ("csv", "xlsx"):
        raise ValueError(f"Unknown SIFA file type: {ext!r}")
    ascii_nom = unicodedata.normalize("NFKD", organisme_nom or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_nom).strip("-")[:80].rstrip("-")
    return f"tdb-donnees-sifa-{slug or 'Organisme-inconnu'}-{today.isoformat()}.{ext}"


# --- Code tables (labels as in the learner form; codes are exported as is) ---------------------

NATIO: dict[int, str] = {1: "Française", 2: "Union Européenne", 3: "Etranger hors Union Européenne"}

REGIME_SCO: dict[str, str] = {"I": "Interne", "D": "Demi-pensionnaire", "E": "Externe", "IE": "Interne externé"}

TYPE_CFA: dict[str, str] = {
    "01": "CFA public (éducation nationale)",
    "02": "CFA public (enseignement supérieur)",
    "03": "CFA public agricole",
    "04": "CFA de collectivité territoriale",
    "05": "Autre CFA public",
    "06": "CFA consulaire",
    "07": "CFA de branche",
    "08": "CFA d’entreprise",
    "09": "CFA associatif",
    "10": "Autre CFA privé",
}

SIT_AV_APP: dict[int, str] = {
    11: "Scolarité type collège (y. c. SEGPA, DIMA, CPA, CLIPA,MFR,...)",
    12: "Autres instituts médico-éducatifs et pédagogiques (IME, IMP)",
    21: "Second cycle général et technologique",
    31: "Second cycle professionnel (lycée professionnel, MFR, ...)",
    41: "Enseignement supérieur (y. c. CPGE)",
    51: "Contrat de professionnalisation",
    52: "Stagiaire",
    53: "En emploi",
    54: "Demandeur d’emploi, chômage",
    90: "Autre situation",
    99: "INCONNUE",
}

DIP_OBT: dict[int, str] = {
    1: "Aucun diplôme",
    2: "Certificat de formation générale (obtenu après une 3ème d’insertion ou une SEGPA)",
    3: "Brevet des collèges",
    4: "CAP / CAPA",
    5: "BEP / BEPA",
    6: "Autre diplôme de niveau 3 (ex niveau V)",
    7: "Bac général ou technologique",
    8: "Bac professionnel / Bac professionnel agricole",
    9: "Brevet professionnel / BPA / Brevet de maîtrise",
    10: "Autre diplôme de niveau 4 (niveau Bac) (ex niveau IV)",
    11: "BTS / BTSA",
    12: "DUT",
    13: "Autre diplôme de niveau 5 (bac + 2) (ex niveau III)",
    14: "Diplôme de niveaux 6, 7 et 8 (bac + 3 ou plus) (ex niveaux II ou I)",
    15: "BUT Bachelor Universitaire de Technologie",
    99: "Inconnu",
}

# The reference server's allowed list omits 35 although the form offers it; we accept it.
PCS: dict[int, str] = {
    10: "Agriculteur exploitant",
    21: "Artisan",
    22: "Commerçant et assimilé",
    23: "Chef d'entreprise de 10 salariés ou plus",
    31: "Profession libérale",
    33: "Cadre de la fonction publique",
    34: "Professeur et assimilé",
    35: "Profession de l’information, des arts et du spectacle",
    37: "Cadre administratif et commercial d'entreprise",
    38: "Ingénieur - cadre technicien d'entreprise",
    42: "Instituteur et assimilé",
    43: "Profession intermédiaire de la santé ou du travail social",
    44: "Clergé, religieux",
    45: "Profession intermédiaire administratif Fonction Publique",
    46: "Profession intermédiaire adm – commerciale d’entr.",
    47: "Technicien",
    48: "Contremaître agent de maîtrise",
    52: "Employé civil - agent service fonction publique",
    53: "Policier et militaire",
    54: "Employé administratif d'entreprise",
    55: "Employé de commerce",
    56: "Personnel, service direct aux particuliers",
    61: "Ouvrier qualifié",
    66: "Ouvrier non qualifié",
    69: "Ouvrier agricole",
    71: "Retraité agriculteur exploitant",
    72: "Retraité artisan commerçant chef d'entreprise.",
    73: "Retraité cadre profession intermédiaire",
    76: "Retraité employé et ouvrier",
    81: "Chômeur n'ayant jamais travaillé",
    82: "Personne sans activité professionnelle",
    99: "Non renseigné (inconnu ou sans objet)",
}

# Grouped tables ({group: {code: label}}) feed grouped selects; the flat ones are for look-ups.
TYPE_EMP_GROUPS: dict[str, dict[int, str]] = {
    "Privé": {
        11: "Entreprise inscrite au répertoire des métiers ou au registre des entreprises pour l'Alsace-Moselle",
        12: "Entreprise inscrite uniquement au registre du commerce et des sociétés",
        13: "Entreprise dont les salariés relèvent de la mutualité sociale agricole",
        14: "Profession libérale",
        15: "Association",
        16: "Autre employeur privé",
    },
    "Public": {
        21: "Service de l'État (administrations centrales et leurs services déconcentrés de la fonction "
        "publique d'État)",
        22: "Commune",
        23: "Département",
        24: "Région",
        25: "Etablissement public hospitalier",
        26: "Etablissement public local d'enseignement",
        27: "Etablissement public administratif de l'État",
        28: "Etablissement public administratif local (y compris établissement public de coopération "
        "intercommunale EPCI)",
        29: "Autre employeur public",
        30: "Etablissement public industriel et commercial",
    },
}
TYPE_EMP: dict[int, str] = {code: label for group in TYPE_EMP_GROUPS.values() for code, label in group.items()}


def _scolaire_apprenti(scolaire: int, apprenti: int, label: str) -> dict[int, str]:
    # The DEPP pairs most N-1 classes: same class as a pupil (SCOLAIRE) and as an apprentice (APPRENTI).
    return {scolaire: f"{label} SCOLAIRE", apprenti: f"{label} APPRENTI"}


_SUP = "Autre diplôme du supérieur ou certification"
SIT_N_1_GROUPS: dict[str, dict[int, str]] = {
    "1er cycle second degré": {
        1003: "6ème (y compris SEGPA)",
        1005: "5ème (y compris SEGPA)",
        1009: "Instituts médico-éducatifs et pédagogiques (IME, IMP)",
        1017: "4ème générale",
        1019: "Autres 4ème (agricole, SEGPA...)",
        1021: "3ème générale",
        1023: "Autres 3ème (agricole, insertion, projet professionnel,SGEPA..)",
    },
    "2nd cycle : enseignement général et technologique": {
        2001: "2nde générale ou technologique (y compris agricole et BT)",
        2003: "1ère générale ou technologique (y compris agricole, d'adaptation et BT)",
        2005: "Terminale générale",
        2007: "Terminale technologique (y compris agricole et BT)",
    },
    "2nd cycle : enseignement professionnel": {
        **_scolaire_apprenti(3001, 3101, "1A CAP 2 ans"),
        **_scolaire_apprenti(3003, 3103, "Année terminale de CAP"),
        **_scolaire_apprenti(3009, 3109, "Mention complémentaire de niveau 3 (ex niveau V)"),
        **_scolaire_apprenti(3011, 3111, "Autre diplôme et certification de niveau 3 (ex niveau V)"),
        **_scolaire_apprenti(3031, 3131, "1A BAC PRO 3 ans (2nde professionnelle)"),
        **_scolaire_apprenti(3032, 3132, "2A BAC PRO 3 ans (1ère professionnelle)"),
        **_scolaire_apprenti(3033, 3133, "BAC PRO 3 ans (Terminale professionnelle)"),
        3117: "1A de Brevet Professionnel (BP)",
        3119: "Année terminale de Brevet Professionnel",
        **_scolaire_apprenti(3021, 3121, "Mention complémentaire de niveau 4 (ex niveau IV)"),
        **_scolaire_apprenti(
            3023, 3123, "Autre diplôme et certification de niveau 4 (y compris BP JEPS) (ex niveau IV)"
        ),
    },
    "Enseignement supérieur": {
        **_scolaire_apprenti(4001, 4101, "1A de BTS"),
        **_scolaire_apprenti(4003, 4103, "Année terminale de BTS"),
        **_scolaire_apprenti(4005, 4105, "1A de DUT"),
        **_scolaire_apprenti(4007, 4107, "Année terminale de DUT"),
        4009: "Classe Préparatoire aux Grandes Ecoles (CPGE)",
        **_scolaire_apprenti(4011, 4111, "Cursus Licence (licence LMD, licence pro, ...)"),
        **_scolaire_apprenti(4013, 4113, "Cursus Master (master LMD, master pro)"),
        **_scolaire_apprenti(4015, 4115, "Diplôme d'ingénieur ou d'école de commerce de niveaux 7 et 8 (ex niveau 1)"),
        **_scolaire_apprenti(4017, 4117, f"{_SUP} (Bac +1 ou 2) niveau 5 (ex niveau 3)"),
        **_scolaire_apprenti(4019, 4119, f"{_SUP} (Bac +3 ou 4) niveau 6 (ex niveau 2)"),
        **_scolaire_apprenti(4021, 4121, f"{_SUP} (Bac +5 ou plus) niveaux 7 et 8 (ex niveau 1)"),
    },
    "Autres": {
        5901: "Contrat de professionnalisation",
        5903: "Emploi",
        5905: "Stage",
        5907: "Sans emploi",
        5909: "Formation continue (tous niveaux de formation)",
        9900: "Autre",
        9999: "Inconnu",
    },
}
SIT_N_1: dict[int, str] = {code: label for group in SIT_N_1_GROUPS.values() for code, label in group.items()}
