"""Deterministic national data for the benchmark (issue 10).

Two steps, both deterministic for a given seed:

* ``files``: pure Python, no database. Writes under ``bench/data/n<N>-s<seed>/``
  - ``referentiel.json``: ~3,000 organismes across every département (organismes/territoires.py), about
    1,000 responsables each with 0–5 formateurs (some of them responsable et formateur);
  - ``batches/*.json``: N dossiers apprenants in the v3 format (api-v3.md §2), grouped per transmitting
    organisme like real ERPs and cut into POST bodies of at most 2,000 records;
  - ``manifest.json``: the batch files, their transmitter (UAI/SIRET) and size.
  About 1.5 % of the records are invalid at reception (bad dates, e-mails, postal codes, missing names…) and
  about 0.5 % name a formateur missing from the référentiel (refused by the worker).
* ``load``: inside Django (DATABASE_URL of the bench): imports the référentiel through the real
  ``referentiel_import`` service and generates one exchange key per transmitting organisme through
  ``erp_key_generate``; the clear keys go to ``keys.json`` next to the manifest (bench/data is git-ignored).

    .venv/bin/python bench/generate.py files --records 50000
    DATABASE_URL=… .venv/bin/python bench/generate.py load --records 50000
"""

import argparse
import json
import math
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from organismes.territoires import DEPARTEMENTS  # noqa: E402 - pure module, no Django needed

DATA_DIR = ROOT / "bench" / "data"
BATCH_SIZE = 2000
N_RESPONSABLES = 1000
MEAN_RECORDS_PER_TRANSMITTER = 1200  # ~1.2 M apprentices per night for ~1,000 transmitting responsables
INVALID_RATE = 0.015
UNKNOWN_ORGANISME_RATE = 0.005
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NOMS = _words(
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux "
    "David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefevre Faure "
    "Andre Mercier Blanc Guerin Boyer Garnier Chevalier Francois Legrand Gauthier Garcia Perrin Robin Clement "
    "Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noel Meyer "
    "Dufour Meunier Brun Blanchard Giraud Joly Riviere Lucas Brunet Gaillard Barbier Arnaud Martinez Gerard "
    "Roche Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix "
    "Olivier Philippe Bourgeois Pierre Benoit Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte Lopez Jean "
    "Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher "
    "N'Diaye Diallo Traoré Nguyen Ben Salah Da Silva Ferreira Le Goff Le Gall Kerboriou"
)
PRENOMS = _words(
    "Camille Léa Manon Chloé Inès Jade Louise Emma Lina Sarah Zoé Lucie Anaïs Clara Maëlys Océane Mathilde "
    "Yanis Lucas Hugo Nathan Enzo Louis Théo Ethan Noah Mathis Tom Gabriel Raphaël Arthur Jules Adam Rayan "
    "Mohamed Kylian Maxime Antoine Alexandre Quentin Romain Baptiste Dylan Kevin Axel Évan Sacha Timéo Loïc "
    "Jean-Baptiste Marie-Lou Aïcha Fatoumata Mamadou Ibrahima Océane Inaya Kenzo Élise Noémie Héloïse"
)
METIERS = (
    ("COIFFURE", "50033616", "RNCP34670"),
    ("BOULANGER", "50022128", "RNCP35316"),
    ("CUISINE", "50022135", "RNCP35407"),
    ("ELECTRICIEN", "50025509", "RNCP36247"),
    ("MACON", "50023210", "RNCP34822"),
    ("VENTE", "50031213", "RNCP34948"),
    ("MECANIQUE AUTO", "50025218", "RNCP34900"),
    ("BTS MCO", "32031213", "RNCP34031"),
    ("BTS NDRC", "32031212", "RNCP34030"),
    ("LICENCE PRO RH", "25031510", "RNCP30089"),
    ("BAC PRO MELEC", "40025510", "RNCP35448"),
    ("TITRE PRO DWWM", "56T32601", "RNCP31114"),
    ("INGENIEUR INFO", "17032601", "RNCP36578"),
    ("AIDE SOIGNANT", "46T33101", "RNCP35830"),
)
VOIES = ("rue de la République", "avenue Jean Jaurès", "boulevard Victor Hugo", "rue des Lilas", "place de la Gare")
CAUSES_RUPTURE = ("démission", "résiliation", "force majeure", "faute lourde", "obtention du diplôme")
CAUSES_EXCLUSION = ("absences répétées et injustifiées", "cessation du travail et abandon des cours")
DOMAINES = ("example.org", "example.com", "mail.example.fr")
BAD_VALUES = (
    ("date_de_naissance_apprenant", "14/03/2006"),
    ("date_entree_formation", "2025-13-01"),
    ("email_contact", "jean.dupont@"),
    ("code_postal_apprenant", "7501X"),
    ("nom_apprenant", None),  # missing
    ("statut_apprenant", 1),
    ("etablissement_formateur_uai", "080200"),
    ("etablissement_responsable_siret", "1234"),
    ("sexe_apprenant", "Homme"),
    ("formation_cfd", "ABC"),
    ("rqth_apprenant", "true"),
    ("annee_scolaire", 2025),
)


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _siren(rng: random.Random) -> str:
    body = f"{rng.randrange(10**7, 10**8):08d}"
    return body + _luhn_digit(body)


def _siret(rng: random.Random, siren: str) -> str:
    body = siren + f"{rng.randrange(1, 9999):04d}"
    return body + _luhn_digit(body)


def _code_postal(departement: str, rng: random.Random) -> str:
    if departement == "2A":
        return f"20{rng.randrange(0, 190):03d}"
    if departement == "2B":
        return f"20{rng.randrange(200, 620):03d}"
    if len(departement) == 3:
        return f"{departement}{rng.randrange(0, 90):02d}"
    return f"{departement}{rng.randrange(0, 1000):03d}"


def referentiel_rows(seed: int) -> list[dict]:
    """~3,000 organismes: responsables (some formateurs of their own formations) and their formateurs."""
    rng = random.Random(seed)
    departements = [(code, region) for code, _, region, _ in DEPARTEMENTS]
    # Heavier weights for metropolitan départements, light ones for the overseas collectivities.
    weights = [
        0.15 if len(code) == 3 and code > "976" else (3.0 if code in {"75", "13", "69", "59", "33", "31"} else 1.0)
        for code, _ in departements
    ]
    used_uai: set[str] = set()

    def uai(departement: str) -> str:
        prefix = "0" + departement[:2] if not departement.isdigit() else departement.zfill(3)[:3]
        prefix = prefix.replace("A", "0").replace("B", "0")
        while True:
            value = f"{prefix}{rng.randrange(0, 10000):04d}{rng.choice(UAI_LETTERS)}"
            if value not in used_uai:
                used_uai.add(value)
                return value

    rows = []
    for index in range(N_RESPONSABLES):
        departement, _ = rng.choices(departements, weights)[0]
        nom, _, _ = METIERS[index % len(METIERS)]
        siren = _siren(rng)
        head = {
            "uai": uai(departement),
            "siret": _siret(rng, siren),
            "raison_sociale": f"CFA {nom} {departement}-{index + 1}",
            "numero": str(rng.randrange(1, 120)),
            "voie": rng.choice(VOIES),
            "code_postal": _code_postal(departement, rng),
            "commune": f"Commune {departement}",
            "departement": departement,
            "qualiopi": "oui" if rng.random() < 0.9 else "non",
        }
        # A third of the responsables teach too (responsable et formateur).
        if rng.random() < 0.35:
            head["responsables"] = f"{head['uai']}/{head['siret']}"
        rows.append(head)
        for sub in range(rng.choice((0, 1, 2, 2, 3, 3, 3, 4, 5))):
            f_dep = departement if rng.random() < 0.7 else rng.choices(departements, weights)[0][0]
            rows.append(
                {
                    "uai": uai(f_dep),
                    "siret": _siret(rng, siren if sub == 0 else _siren(rng)),
                    "raison_sociale": f"{'ANTENNE' if sub == 0 else 'LYCÉE'} {nom} {f_dep}-{index + 1}-{sub}",
                    "numero": str(rng.randrange(1, 120)),
                    "voie": rng.choice(VOIES),
                    "code_postal": _code_postal(f_dep, rng),
                    "commune": f"Commune {f_dep}",
                    "departement": f_dep,
                    "responsables": f"{head['uai']}/{head['siret']}",
                }
            )
    # Every responsable without formateur is its own formateur.
    formateurs_of: dict[str, list[dict]] = {}
    for row in rows:
        for couple in filter(None, row.get("responsables", "").split("|")):
            formateurs_of.setdefault(couple, []).append(row)
    for row in rows:
        couple = f"{row['uai']}/{row['siret']}"
        if "raison_sociale" in row and row["raison_sociale"].startswith("CFA ") and couple not in formateurs_of:
            row["responsables"] = couple
            formateurs_of[couple] = [row]
    return rows


def _iso(d: date, rng: random.Random) -> str:
    # ERPs send dates in several accepted shapes (§2.1).
    r = rng.random()
    if r < 0.7:
        return d.isoformat()
    if r < 0.95:
        return f"{d.isoformat()}T00:00:00.000Z"
    return f"{d.isoformat()}T00:00:00+02:00"


class RecordFactory:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.counter = 0

    def record(self, *, responsable: dict, formateur: dict, annee: int) -> dict:
        rng = self.rng
        self.counter += 1
        nom, prenom = rng.choice(NOMS), rng.choice(PRENOMS)
        metier, cfd, rncp = rng.choice(METIERS)
        naissance = date(rng.randrange(1996, 2010), rng.randrange(1, 13), rng.randrange(1, 29))
        entree = date(annee, 9, 1) + timedelta(days=rng.randrange(-10, 60))
        duree = rng.choice((12, 24, 24, 24, 36))
        fin = date(annee + duree // 12, 6, 30) + timedelta(days=rng.randrange(0, 10))
        inscription = entree - timedelta(days=rng.randrange(10, 120))
        rec = {
            "nom_apprenant": nom,
            "prenom_apprenant": prenom,
            "date_de_naissance_apprenant": _iso(naissance, rng),
            "annee_scolaire": f"{annee}-{annee + 1}" if rng.random() < 0.95 else f"{annee}/{annee + 1}",
            "id_erp_apprenant": f"ERP-{self.counter:08d}" if rng.random() < 0.9 else self.counter,
            "date_inscription_formation": inscription.isoformat(),
            "date_entree_formation": entree.isoformat(),
            "date_fin_formation": fin.isoformat(),
            "etablissement_responsable_uai": responsable["uai"],
            "etablissement_responsable_siret": responsable["siret"],
            "etablissement_formateur_uai": formateur["uai"],
            "etablissement_formateur_siret": formateur["siret"],
            "formation_cfd": cfd,
            "formation_rncp": rncp if rng.random() < 0.9 else rncp[4:],
            "libelle_court_formation": metier,
            "duree_theorique_formation_mois": duree,
            "annee_formation": rng.randrange(1, 4),
            "sexe_apprenant": rng.choice(("M", "F", "H", "1", "2")),
            "formation_presentielle": True,
            "type_cfa": rng.choice(("01", "02", "03", "04", 4)),
        }
        if rng.random() < 0.2:
            rec["ine_apprenant"] = f"{rng.randrange(10**9, 10**10)}{rng.choice('ABCDEFGHJK')}"
        if rng.random() < 0.3:
            rec["nir_apprenant"] = f"{rng.choice('12')} {naissance:%y} {naissance:%m} 75 056 123 45"
        if rng.random() < 0.7:
            rec["email_contact"] = f"{prenom.lower()}.{nom.lower()}{self.counter}@{rng.choice(DOMAINES)}".replace(
                "'", ""
            ).replace(" ", "")
            rec["email_contact"] = rec["email_contact"].encode("ascii", "ignore").decode()
        if rng.random() < 0.6:
            rec["tel_apprenant"] = f"06 {rng.randrange(10, 39)} {rng.randrange(10, 100)} {rng.randrange(10, 100)} " + (
                f"{rng.randrange(10, 100)}"
            )
        if rng.random() < 0.6:
            rec["adresse_apprenant"] = f"{rng.randrange(1, 200)} {rng.choice(VOIES)}"
            rec["code_postal_apprenant"] = formateur["code_postal"]
        if rng.random() < 0.05:
            rec["rqth_apprenant"] = True
            rec["date_rqth_apprenant"] = (naissance + timedelta(days=365 * 12)).isoformat()
        if rng.random() < 0.3:
            rec["derniere_situation"] = rng.choice((1003, 2001, 3101, 4001, 9999))
            # A département code (the overseas collectivities are not accepted there) or the UAI of the formateur.
            departement = formateur["departement"]
            rec["dernier_organisme_uai"] = departement if len(departement) == 2 else formateur["uai"]
        if rng.random() < 0.2:
            rec["etablissement_lieu_de_formation_uai"] = formateur["uai"]
            rec["etablissement_lieu_de_formation_siret"] = formateur["siret"]
            rec["etablissement_lieu_de_formation_code_postal"] = formateur["code_postal"]

        # Contracts: 10 % none yet; otherwise 1–4, all but the last one broken off.
        today = date(annee + 1, 3, 15)
        r = rng.random()
        n_contrats = 0 if r < 0.10 else 1 if r < 0.80 else 2 if r < 0.95 else 3 if r < 0.99 else 4
        debut = entree + timedelta(days=rng.randrange(0, 30))
        for k in range(n_contrats):
            suffix = "" if k == 0 else f"_{k + 1}"
            rec[f"contrat_date_debut{suffix}"] = debut.isoformat()
            rec[f"contrat_date_fin{suffix}"] = fin.isoformat()
            rec[f"siret_employeur{suffix}"] = _siret(rng, _siren(rng))
            last = k == n_contrats - 1
            if not last or rng.random() < 0.08:
                rupture = debut + timedelta(days=rng.randrange(20, 120))
                if rupture >= today and not last:
                    rupture = debut + timedelta(days=20)
                rec[f"contrat_date_rupture{suffix}"] = rupture.isoformat()
                rec[f"cause_rupture_contrat{suffix}"] = rng.choice(CAUSES_RUPTURE)
                debut = rupture + timedelta(days=rng.randrange(5, 45))
        # Declared status: apprenti when a contract runs, inscrit otherwise, a few abandons with an exclusion.
        if rng.random() < 0.03:
            exclusion = entree + timedelta(days=rng.randrange(30, 150))
            rec["date_exclusion_formation"] = exclusion.isoformat()
            rec["cause_exclusion_formation"] = rng.choice(CAUSES_EXCLUSION)
            rec["statut_apprenant"] = 0 if rng.random() < 0.5 else "0"
            rec["date_metier_mise_a_jour_statut"] = f"{exclusion.isoformat()}T00:00:00Z"
        elif rng.random() < 0.8:
            rec["statut_apprenant"] = 3 if n_contrats else 2
            rec["date_metier_mise_a_jour_statut"] = (
                f"{(entree + timedelta(days=rng.randrange(0, 90))).isoformat()}T09:12:00Z"
            )
        return rec

    def spoil(self, rec: dict) -> None:
        field, value = self.rng.choice(BAD_VALUES)
        if value is None:
            rec.pop(field, None)
        else:
            rec[field] = value


def _transmitters(rows: list[dict]) -> list[tuple[dict, list[dict]]]:
    """(responsable, its formateurs) for every organisme that transmits (responsables)."""
    by_couple = {f"{r['uai']}/{r['siret']}": r for r in rows}
    formateurs: dict[str, list[dict]] = {}
    for row in rows:
        for couple in filter(None, row.get("responsables", "").split("|")):
            formateurs.setdefault(couple, []).append(row)
    return [(by_couple[c], fs) for c, fs in formateurs.items()]


def dataset_dir(records: int, seed: int) -> Path:
    return DATA_DIR / f"n{records}-s{seed}"


def generate_files(*, records: int, seed: int, force: bool = False) -> Path:
    out = dataset_dir(records, seed)
    manifest_path = out / "manifest.json"
    if manifest_path.exists() and not force:
        return out
    started = time.perf_counter()
    rows = referentiel_rows(seed)
    rng = random.Random(seed * 7919 + records)
    transmitters = _transmitters(rows)
    rng.shuffle(transmitters)
    # Heavy-tailed sizes (a few big CFA, many small ones), ~1,200 records per transmitter on average.
    sizes = []
    remaining = records
    while remaining > 0:
        size = max(5, int(rng.lognormvariate(math.log(MEAN_RECORDS_PER_TRANSMITTER) - 0.72, 1.2)))
        size = min(size, remaining, 15000)
        sizes.append(size)
        remaining -= size
    if len(sizes) > len(transmitters):  # more records than the national average: every transmitter sends more
        factor = len(sizes) / len(transmitters)
        sizes = [int(s * factor) + 1 for s in sizes[: len(transmitters)]]
        sizes[-1] -= sum(sizes) - records
    batches_dir = out / "batches"
    batches_dir.mkdir(parents=True, exist_ok=True)
    for old in batches_dir.glob("*.json"):
        old.unlink()
    factory = RecordFactory(rng)
    unknown_siren = _siren(rng)
    manifest = {"records": records, "seed": seed, "batch_size": BATCH_SIZE, "batches": [], "invalid": 0, "unknown": 0}
    number = 0
    for (responsable, formateurs), size in zip(transmitters, sizes, strict=False):
        recs = []
        for _ in range(size):
            formateur = rng.choice(formateurs)
            annee = 2025 if rng.random() < 0.9 else 2024
            rec = factory.record(responsable=responsable, formateur=formateur, annee=annee)
            r = rng.random()
            if r < INVALID_RATE:
                factory.spoil(rec)
                manifest["invalid"] += 1
            elif r < INVALID_RATE + UNKNOWN_ORGANISME_RATE:
                rec["etablissement_formateur_siret"] = _siret(rng, unknown_siren)
                manifest["unknown"] += 1
            recs.append(rec)
        for start in range(0, len(recs), BATCH_SIZE):
            number += 1
            chunk = recs[start : start + BATCH_SIZE]
            name = f"b{number:05d}.json"
            (batches_dir / name).write_text(json.dumps(chunk, ensure_ascii=False, separators=(",", ":")))
            manifest["batches"].append(
                {"file": name, "uai": responsable["uai"], "siret": responsable["siret"], "records": len(chunk)}
            )
    (out / "referentiel.json").write_text(json.dumps(rows, ensure_ascii=False, indent=0))
    manifest["organismes"] = len(rows)
    manifest["transmitters"] = len({(b["uai"], b["siret"]) for b in manifest["batches"]})
    manifest["seconds"] = round(time.perf_counter() - started, 1)
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return out


def load(*, records: int, seed: int) -> dict:
    """Import the référentiel and create one exchange key per transmitter (Django must be configured)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tdba.settings.production")
    django.setup()
    from erp_keys.services import erp_key_generate
    from organismes.models import Organisme
    from organismes.services import referentiel_import

    out = dataset_dir(records, seed)
    manifest = json.loads((out / "manifest.json").read_text())
    rows = json.loads((out / "referentiel.json").read_text())
    started = time.perf_counter()
    report = referentiel_import(raw_rows=list(enumerate(rows, start=1)), reset_absent=False)
    if report.rejected:
        raise SystemExit(f"référentiel rejeté : {report.rejected[:3]}")
    imported = time.perf_counter() - started
    couples = sorted({(b["uai"], b["siret"]) for b in manifest["batches"]})
    organismes = {(o.uai, o.siret): o for o in Organisme.objects.all()}
    keys = {f"{uai}/{siret}": erp_key_generate(organisme=organismes[(uai, siret)]) for uai, siret in couples}
    (out / "keys.json").write_text(json.dumps(keys))
    return {
        "organismes": report.created,
        "referentiel_seconds": round(imported, 2),
        "keys": len(keys),
        "keys_seconds": round(time.perf_counter() - started - imported, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("files", "load"))
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--force", action="store_true", help="regenerate the files even if they exist")
    args = parser.parse_args()
    if args.step == "files":
        out = generate_files(records=args.records, seed=args.seed, force=args.force)
        manifest = json.loads((out / "manifest.json").read_text())
        print(json.dumps({k: v for k, v in manifest.items() if k != "batches"} | {"files": len(manifest["batches"])}))
    else:
        print(json.dumps(load(records=args.records, seed=args.seed)))


if __name__ == "__main__":
    main()
