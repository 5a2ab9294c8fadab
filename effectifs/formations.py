"""The formation référentiel: import from a file, and the libellé and niveau it gives the effectifs.

The real service corrects every effectif's formation from the certification référentiel (statuses-indicators-roles.md
§1.6: libellé long, niveau…). TDBA imports that référentiel from a CSV or JSON file (`import_formations`,
docs/referentiel.md) and fills `formation_libelle_long` and `formation_niveau` from it: when the worker upserts a
record, and for the effectifs already stored when a file is imported. A formation the référentiel does not know
leaves them as they are ("Libellé manquant" in the pages).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from effectifs.models import Effectif, Formation
from organismes.referentiel import RejectedRow, read_file
from transmissions.validation import cfd_normalise, rncp_normalise

NIVEAUX = ("3", "4", "5", "6", "7", "8")  # European levels of the apprenticeship certifications


@dataclass
class FormationsReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    effectifs: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


def formations_read_file(name: str, content: bytes) -> list[tuple[int, dict]]:
    """Raw rows of a formation référentiel file (ReferentielFileError for a file that cannot be read)."""
    return read_file(name, content, required="libelle_long", json_key="formations", items="de formations")


def _code(value: str, normalise) -> str | None:
    """A code as the API normalises it, "" when empty, None when invalid."""
    return normalise(value) if value else ""


def _clean(line: int, raw: dict) -> dict | RejectedRow:
    if "__invalid__" in raw:
        return RejectedRow(line, raw["__invalid__"])
    cfd, rncp = _code(raw.get("cfd", ""), cfd_normalise), _code(raw.get("rncp", ""), rncp_normalise)
    if cfd is None:
        return RejectedRow(line, f"code CFD invalide : {raw.get('cfd')!r} (8 caractères, lettres et chiffres)")
    if rncp is None:
        return RejectedRow(line, f"code RNCP invalide : {raw.get('rncp')!r} (RNCP suivi de 2 à 5 chiffres)")
    if not cfd and not rncp:
        return RejectedRow(line, "ni code CFD ni code RNCP")
    libelle_long = raw.get("libelle_long", "").strip()
    if not libelle_long:
        return RejectedRow(line, "intitulé (libelle_long) manquant")
    niveau = raw.get("niveau", "").strip().upper().removeprefix("NIVEAU").strip()
    if niveau and niveau not in NIVEAUX:
        return RejectedRow(line, f"niveau inconnu : {raw.get('niveau')!r} (3 à 8)")
    return {
        "cfd": cfd,
        "rncp": rncp,
        "libelle_long": libelle_long[:500],
        "libelle_court": raw.get("libelle_court", "").strip()[:200],
        "niveau": niveau,
    }


@transaction.atomic
def formations_import(*, raw_rows: list[tuple[int, dict]]) -> FormationsReport:
    """Upsert the formations of a référentiel file (by their (CFD, RNCP) couple), then fill the stored effectifs.

    Idempotent; a rejected line is reported with its reason and does not stop the others.
    """
    report = FormationsReport()
    rows: dict[tuple[str, str], tuple[int, dict]] = {}
    for line, raw in raw_rows:
        row = _clean(line, raw)
        if isinstance(row, RejectedRow):
            report.rejected.append(row)
        elif (row["cfd"], row["rncp"]) in rows:
            first = rows[row["cfd"], row["rncp"]][0]
            report.rejected.append(RejectedRow(line, f"couple CFD/RNCP déjà présent ligne {first}"))
        else:
            rows[row["cfd"], row["rncp"]] = (line, row)
    stored = {(f.cfd, f.rncp): f for f in Formation.objects.all()}
    created, updated = [], []
    values = ("libelle_long", "libelle_court", "niveau")
    for key, (_line, row) in rows.items():
        formation = stored.get(key)
        if formation is None:
            created.append(Formation(**row))
        elif any(getattr(formation, name) != row[name] for name in values):
            for name in values:
                setattr(formation, name, row[name])
            updated.append(formation)
        else:
            report.unchanged += 1
    Formation.objects.bulk_create(created, batch_size=1000)
    Formation.objects.bulk_update(updated, values, batch_size=1000)
    report.created, report.updated = len(created), len(updated)
    report.effectifs = formations_effectifs_completer()
    return report


class FormationsIndex:
    """Formations by their codes: the (CFD, RNCP) couple first, then the CFD alone, then the RNCP alone."""

    def __init__(self, formations: Iterable[Formation]):
        self.by_couple: dict[tuple[str, str], Formation] = {}
        self.by_cfd: dict[str, Formation] = {}
        self.by_rncp: dict[str, Formation] = {}
        for formation in formations:  # in the model's order: the first libellé wins for a shared code
            self.by_couple.setdefault((formation.cfd, formation.rncp), formation)
            if formation.cfd:
                self.by_cfd.setdefault(formation.cfd, formation)
            if formation.rncp:
                self.by_rncp.setdefault(formation.rncp, formation)

    @classmethod
    def for_codes(cls, cfds: set[str], rncps: set[str]) -> "FormationsIndex":
        if not cfds and not rncps:
            return cls([])
        return cls(Formation.objects.filter(Q(cfd__in=cfds) | Q(rncp__in=rncps)))

    def find(self, cfd: str | None, rncp: str | None) -> Formation | None:
        cfd, rncp = cfd or "", rncp or ""
        return (
            self.by_couple.get((cfd, rncp))
            or (self.by_cfd.get(cfd) if cfd else None)
            or (self.by_rncp.get(rncp) if rncp else None)
        )


def formations_records_completer(records: list[dict]) -> None:
    """Give the worker's effectif records the libellé and niveau of their formation (one query per chunk)."""
    cfds = {r["formation_cfd"] for r in records if r.get("formation_cfd")}
    rncps = {r["formation_rncp"] for r in records if r.get("formation_rncp")}
    index = FormationsIndex.for_codes(cfds, rncps)
    if not index.by_couple:
        return
    for record in records:
        formation = index.find(record.get("formation_cfd"), record.get("formation_rncp"))
        if formation is not None:
            record["formation_libelle_long"] = formation.libelle_long
            record["formation_niveau"] = formation.niveau


def formations_effectifs_completer() -> int:
    """Fill the stored effectifs whose formation the référentiel knows; return how many changed."""
    index = FormationsIndex(Formation.objects.all())
    if not index.by_couple:
        return 0
    candidates = Effectif.objects.filter(
        Q(formation_cfd__in=index.by_cfd.keys()) | Q(formation_rncp__in=index.by_rncp.keys())
    ).values_list("pk", "formation_cfd", "formation_rncp", "formation_libelle_long", "formation_niveau")
    changes: dict[tuple[str, str], list[int]] = {}
    for pk, cfd, rncp, libelle, niveau in candidates.iterator(chunk_size=5000):
        formation = index.find(cfd, rncp)
        if formation is not None and (libelle, niveau) != (formation.libelle_long, formation.niveau):
            changes.setdefault((formation.libelle_long, formation.niveau), []).append(pk)
    for (libelle, niveau), pks in changes.items():
        for start in range(0, len(pks), 5000):
            Effectif.objects.filter(pk__in=pks[start : start + 5000]).update(
                formation_libelle_long=libelle, formation_niveau=niveau
            )
    return sum(len(pks) for pks in changes.values())
