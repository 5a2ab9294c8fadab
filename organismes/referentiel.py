"""Parsing of a référentiel UAI–SIRET file (CSV or JSON) into clean rows. Pure: no database.

Accepted columns are documented in docs/referentiel.md.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field

from stdnum.fr import siret as stdnum_siret

from organismes.territoires import DEPARTEMENTS_BY_CODE, departement_of_code_postal

UAI_RE = re.compile(r"^[0-9]{7}[A-Z]$")
NATURES = {"responsable", "formateur", "responsable_formateur", "lieu_formation", "inconnue"}
_TRUE = {"1", "true", "vrai", "oui", "o", "yes", "fermé", "ferme"}
_FALSE = {"0", "false", "faux", "non", "n", "no", "", "actif", "ouvert", "en activité"}
COLUMNS = (
    "uai",
    "siret",
    "raison_sociale",
    "enseigne",
    "nature",
    "ferme",
    "referentiel",
    "qualiopi",
    "numero",
    "voie",
    "complement",
    "code_postal",
    "code_insee",
    "commune",
    "departement",
    "adresse",
    "reseaux",
    "responsables",
)


class ReferentielFileError(Exception):
    """The file as a whole cannot be read (French message)."""


@dataclass
class ReferentielRow:
    line: int
    uai: str | None
    siret: str
    raison_sociale: str = ""
    enseigne: str = ""
    nature: str | None = None
    ferme: bool = False
    present: bool = True
    qualiopi: bool | None = None
    numero: str = ""
    voie: str = ""
    complement: str = ""
    code_postal: str = ""
    code_insee: str = ""
    commune: str = ""
    departement: str | None = None
    adresse: str = ""
    reseaux: list[str] = field(default_factory=list)
    responsables: list[tuple[str | None, str]] = field(default_factory=list)

    @property
    def couple(self) -> tuple[str | None, str]:
        return (self.uai, self.siret)


@dataclass
class RejectedRow:
    line: int
    reason: str


def read_file(
    name: str, content: bytes, *, required: str = "siret", json_key: str = "organismes", items: str = "d'organismes"
) -> list[tuple[int, dict]]:
    """Raw rows (line number, dict of lower-cased column → string) from a CSV or JSON file.

    `required`: the column a CSV header must have; `json_key`: the key of the list in a JSON object; `items`: what
    the file lists, for the messages (also used for the formation référentiel, effectifs/formations.py).
    """
    text = _decode(content)
    if name.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReferentielFileError(f"Le fichier JSON est invalide : {exc.msg} (ligne {exc.lineno}).") from exc
        if isinstance(data, dict):
            data = data.get(json_key)
        if not isinstance(data, list):
            raise ReferentielFileError(f"Le fichier JSON doit contenir une liste {items}.")
        rows = []
        for index, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                rows.append((index, {"__invalid__": "l'élément n'est pas un objet"}))
                continue
            rows.append((index, {str(k).strip().lower(): _as_text(v) for k, v in item.items()}))
        return rows
    if not text.strip():
        raise ReferentielFileError("Le fichier est vide.")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames or required not in [f.strip().lower() for f in reader.fieldnames]:
        raise ReferentielFileError(f"La colonne « {required} » est introuvable dans l'en-tête du fichier.")
    return [
        (index, {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()})
        for index, row in enumerate(reader, start=2)
    ]


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReferentielFileError("Le fichier n'est ni en UTF-8 ni en Windows-1252.")


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(_as_text(v) for v in value)
    return str(value).strip()


def _bool(value: str, column: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(f"valeur « {value} » non reconnue pour {column} (attendu : oui/non)")


def clean_siret(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value)


def clean_row(line: int, raw: dict) -> ReferentielRow | RejectedRow:
    """Validate one raw row; return a clean row or the reason it is rejected (French)."""
    if "__invalid__" in raw:
        return RejectedRow(line, raw["__invalid__"])
    siret = clean_siret(raw.get("siret", ""))
    if not siret:
        return RejectedRow(line, "SIRET manquant")
    if not re.fullmatch(r"[0-9]{14}", siret):
        return RejectedRow(line, f"SIRET invalide « {siret} » : 14 chiffres attendus")
    if not stdnum_siret.is_valid(siret):
        return RejectedRow(line, f"SIRET invalide « {siret} » : clé de contrôle incorrecte")
    uai = raw.get("uai", "").strip().upper() or None
    if uai and not UAI_RE.match(uai):
        return RejectedRow(line, f"UAI invalide « {uai} » : 7 chiffres et 1 lettre attendus")
    nature = raw.get("nature", "").strip().lower() or None
    if nature and nature not in NATURES:
        return RejectedRow(line, f"nature inconnue « {nature} »")
    try:
        ferme = _bool(raw.get("ferme", ""), "ferme")
        present = raw.get("referentiel", "present").strip().lower() not in {"absent", "non", "0", "false"}
        qualiopi = _bool(raw["qualiopi"], "qualiopi") if raw.get("qualiopi", "").strip() else None
    except ValueError as exc:
        return RejectedRow(line, str(exc))
    code_postal = raw.get("code_postal", "").strip()
    if code_postal and not re.fullmatch(r"[0-9]{5}", code_postal):
        return RejectedRow(line, f"code postal invalide « {code_postal} »")
    departement = raw.get("departement", "").strip().upper() or departement_of_code_postal(code_postal)
    if departement and len(departement) == 1:
        departement = "0" + departement
    if departement and departement not in DEPARTEMENTS_BY_CODE:
        return RejectedRow(line, f"département inconnu « {departement} »")
    responsables = []
    for couple in filter(None, (c.strip() for c in raw.get("responsables", "").split("|"))):
        r_uai, sep, r_siret = couple.partition("/")
        if not sep or not re.fullmatch(r"[0-9]{14}", clean_siret(r_siret)):
            return RejectedRow(line, f"responsable « {couple} » illisible : format attendu UAI/SIRET")
        responsables.append((r_uai.strip().upper() or None, clean_siret(r_siret)))
    return ReferentielRow(
        line=line,
        uai=uai,
        siret=siret,
        raison_sociale=raw.get("raison_sociale", "")[:255],
        enseigne=raw.get("enseigne", "")[:255],
        nature=nature,
        ferme=ferme,
        present=present,
        qualiopi=qualiopi,
        numero=raw.get("numero", "")[:20],
        voie=raw.get("voie", "")[:255],
        complement=raw.get("complement", "")[:255],
        code_postal=code_postal,
        code_insee=raw.get("code_insee", "").strip()[:5],
        commune=raw.get("commune", "")[:80],
        departement=departement,
        adresse=raw.get("adresse", "")[:400],
        reseaux=[r.strip().upper() for r in re.split(r"[|,]", raw.get("reseaux", "")) if r.strip()],
        responsables=responsables,
    )
