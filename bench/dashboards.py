"""Dashboards benchmark without the ingestion (issue 10): a realistic data set in a few seconds, then the timings.

    .venv/bin/python bench/dashboards.py --records 50000            # build tdba_dash, then measure
    .venv/bin/python bench/dashboards.py --records 300000 --explain # + query counts and EXPLAIN ANALYZE
    .venv/bin/python bench/dashboards.py --reuse                    # measure again on the data already there

1. Data: the same deterministic files as bench/run.py (bench/generate.py); the référentiel goes through the
   real `referentiel_import`; every record is mapped to an `Effectif` (same fields as the worker's mapping),
   its status periods come from `effectif_parcours_apply` (the worker's status logic) at 15 March 2026, then
   effectifs are written by `bulk_create` and periods by `COPY`. Records the API would refuse (bad dates,
   unknown formateur…) are skipped. No HTTP, no queue, no Celery: ~1 minute for 50,000 records.
2. Database: a dedicated PostgreSQL database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tdba_dash;
   its name must start with "tdba_dash" since it is dropped), migrated.
3. Measures: `bench.run.dashboards` (the very function of the full bench: national, région, OFA indicators
   and the first page of Mes effectifs, median of --repeat calls against a bare SQL aggregate, after a
   VACUUM ANALYZE of the tables read unless --no-vacuum), plus with --explain the number of queries of each
   selector and EXPLAIN ANALYZE of their SQL.
"""

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import dataset_dir, generate_files  # noqa: E402
from bench.run import django_setup, pg_connect  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tdba_dash"
TODAY = date(2026, 3, 15)  # the date bench.run.dashboards measures at
NOW = datetime(2026, 3, 15, 2, 0, tzinfo=UTC)
CHUNK = 2000
ANNEE_RE = re.compile(r"^(\d{4})[-/](\d{4})$")


def log(message: str, t0=time.monotonic()) -> None:  # noqa: B008 - start time of the script
    print(f"[{time.monotonic() - t0:7.1f} s] {message}", flush=True)


def check_database(database_url: str) -> str:
    url = urlparse(database_url)
    name = url.path[1:]
    if url.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"Refusé : {database_url} n'est pas local.")
    if not name.startswith("tdba_dash"):
        raise SystemExit(f"Refusé : la base {name!r} sera supprimée ; son nom doit commencer par « tdba_dash ».")
    return name


def database_exists(database_url: str, name: str) -> bool:
    with pg_connect(database_url, dbname="postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


# --------------------------------------------------------------------------- records → effectifs


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    return date.fromisoformat(str(value)[:10])  # ValueError on the spoiled dates: the record is skipped


def _instant(value) -> str | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).isoformat()


def effectif_from_record(rec: dict, organismes: dict, now: datetime):
    """The Effectif the worker would write for this v3 record, or None when the API or the worker refuses it."""
    from effectifs.models import Effectif
    from effectifs.services import historique_merge

    formateur = organismes.get((rec.get("etablissement_formateur_uai"), rec.get("etablissement_formateur_siret")))
    responsable = organismes.get((rec.get("etablissement_responsable_uai"), rec.get("etablissement_responsable_siret")))
    annee = ANNEE_RE.match(str(rec.get("annee_scolaire", "")))
    statut = rec.get("statut_apprenant")
    if (
        formateur is None
        or responsable is None
        or annee is None
        or not isinstance(rec.get("annee_scolaire"), str)
        or not rec.get("nom_apprenant")
        or statut not in (None, 0, "0", 2, 3)
        or rec.get("sexe_apprenant") not in (None, "M", "F", "H", "1", "2")
        or not isinstance(rec.get("rqth_apprenant", False), bool)
        or len(str(rec.get("code_postal_apprenant", "00000"))) != 5
        or not str(rec.get("code_postal_apprenant", "00000")).isdigit()
        or ("email_contact" in rec and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", rec["email_contact"]))
        or len(rec.get("formation_cfd", "12345678")) != 8
    ):
        return None
    try:
        naissance = _day(rec["date_de_naissance_apprenant"])
        entree, fin = _day(rec.get("date_entree_formation")), _day(rec.get("date_fin_formation"))
        contrats = []
        for suffix in ("", "_2", "_3", "_4"):
            debut, fin_c, rupture = (
                _day(rec.get(f"contrat_date_debut{suffix}")),
                _day(rec.get(f"contrat_date_fin{suffix}")),
                _day(rec.get(f"contrat_date_rupture{suffix}")),
            )
            if debut or fin_c or rupture:
                contrats.append(
                    {
                        "date_debut": debut.isoformat() if debut else None,
                        "date_fin": fin_c.isoformat() if fin_c else None,
                        "date_rupture": rupture.isoformat() if rupture else None,
                        "cause_rupture": rec.get(f"cause_rupture_contrat{suffix}"),
                        "siret": rec.get(f"siret_employeur{suffix}"),
                    }
                )
        date_statut = _instant(rec.get("date_metier_mise_a_jour_statut"))
        exclusion = _day(rec.get("date_exclusion_formation"))
        inscription = _day(rec.get("date_inscription_formation"))
        rqth = _day(rec.get("date_rqth_apprenant"))
    except ValueError:
        return None
    statut = int(statut) if statut is not None else None
    if exclusion is None and statut == 0 and date_statut:
        exclusion = _day(date_statut)
    historique = historique_merge([], statut, date_statut, now) if statut and date_statut else []
    type_cfa = rec.get("type_cfa")
    return Effectif(
        organisme_id=formateur,
        organisme_responsable_id=responsable,
        source_organisme_id=responsable,
        source="ERP",
        id_erp_apprenant=str(rec["id_erp_apprenant"]),
        annee_scolaire=f"{annee[1]}-{annee[2]}",
        nom=rec["nom_apprenant"],
        prenom=rec.get("prenom_apprenant", ""),
        date_de_naissance=naissance,
        ine=rec.get("ine_apprenant", ""),
        sexe={"H": "M", "1": "M", "2": "F"}.get(rec.get("sexe_apprenant"), rec.get("sexe_apprenant") or ""),
        courriel=rec.get("email_contact", ""),
        telephone=rec.get("tel_apprenant", ""),
        has_nir="nir_apprenant" in rec,
        rqth=rec.get("rqth_apprenant"),
        date_rqth=rqth,
        adresse_complete=rec.get("adresse_apprenant", ""),
        code_postal=rec.get("code_postal_apprenant", ""),
        derniere_situation=rec.get("derniere_situation"),
        dernier_organisme_uai=rec.get("dernier_organisme_uai", ""),
        type_cfa=f"{int(type_cfa):02d}" if type_cfa is not None else "",
        formation_cfd=rec.get("formation_cfd", ""),
        formation_rncp=rec.get("formation_rncp", ""),
        formation_annee=rec.get("annee_formation"),
        date_inscription=inscription,
        date_entree=entree,
        date_fin=fin,
        duree_theorique_mois=rec.get("duree_theorique_formation_mois"),
        duree_formation_relle=round((fin - entree).days / 30) if entree and fin else None,
        formation_presentielle=rec.get("formation_presentielle"),
        date_exclusion=exclusion,
        cause_exclusion=rec.get("cause_exclusion_formation", ""),
        contrats=contrats,
        historique_statut=historique,
        transmitted_at=now,
        created_at=now,
        updated_at=now,
    )


def build(database_url: str, name: str, records: int, seed: int) -> dict:
    """Recreate the database, migrate, import the référentiel, write effectifs and periods."""
    log(f"données : {records} dossiers (graine {seed})")
    directory = generate_files(records=records, seed=seed)
    manifest = json.loads((directory / "manifest.json").read_text())
    with pg_connect(database_url, dbname="postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"base {name} recréée, migrations")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=os.environ, check=True
    )
    from django.db import connection, transaction

    from effectifs.models import Effectif, EffectifStatutPeriode
    from effectifs.services import effectif_parcours_apply
    from organismes.models import Organisme
    from organismes.services import referentiel_import

    rows = json.loads((dataset_dir(records, seed) / "referentiel.json").read_text())
    report = referentiel_import(raw_rows=list(enumerate(rows, start=1)), reset_absent=False)
    organismes = {(o.uai, o.siret): o.pk for o in Organisme.objects.all()}
    log(f"référentiel : {report.created} organismes")

    started = time.perf_counter()
    seen: set[tuple] = set()
    written = periodes_written = skipped = 0
    periods_table = EffectifStatutPeriode._meta.db_table

    def flush(pending: list) -> int:
        with transaction.atomic():
            Effectif.objects.bulk_create([e for e, _ in pending], batch_size=CHUNK)
            count = 0
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {periods_table} (effectif_id, statut, debut, fin) FROM STDIN") as copy,
            ):
                for effectif, periods in pending:
                    for period in periods:
                        copy.write_row((effectif.pk, period.statut, period.debut, period.fin))
                        count += 1
        return count

    pending: list = []
    for batch in manifest["batches"]:
        for rec in json.loads((directory / "batches" / batch["file"]).read_text()):
            effectif = effectif_from_record(rec, organismes, NOW)
            key = effectif and (effectif.organisme_id, effectif.annee_scolaire, effectif.id_erp_apprenant)
            if effectif is None or key in seen:
                skipped += 1
                continue
            seen.add(key)
            pending.append((effectif, effectif_parcours_apply(effectif, today=TODAY)))
            if len(pending) >= CHUNK:
                periodes_written += flush(pending)
                written += len(pending)
                pending = []
    if pending:
        periodes_written += flush(pending)
        written += len(pending)
    seconds = time.perf_counter() - started
    log(f"{written} effectifs, {periodes_written} périodes écrits en {seconds:.1f} s ({skipped} dossiers écartés)")
    return {"effectifs": written, "periodes": periodes_written, "skipped": skipped, "load_seconds": seconds}


# --------------------------------------------------------------------------- profiling


def explain() -> dict:
    """Queries per selector call and EXPLAIN ANALYZE of each indicator query (national, région, OFA)."""
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from effectifs import selectors
    from effectifs.models import Effectif
    from organismes.models import OrganisationType, Organisme, User

    organisme_id = (
        Effectif.objects.values("organisme_id").annotate(n=Count("pk")).order_by("-n").values_list("organisme_id")[:1]
    )[0][0]
    organisme = Organisme.objects.get(pk=organisme_id)
    filtres = selectors.FiltresIndicateurs(date=TODAY, today=TODAY)
    users = {
        kind: User.objects.select_related("organisation").filter(organisation__type=kind).first()
        for kind in (
            OrganisationType.OPERATEUR_PUBLIC_NATIONAL,
            OrganisationType.DREETS,
            OrganisationType.ORGANISME_FORMATION,
        )
    }
    calls = {
        "national": lambda: selectors.indicateurs_effectifs(
            user=users[OrganisationType.OPERATEUR_PUBLIC_NATIONAL], filtres=filtres
        ),
        "region": lambda: selectors.indicateurs_effectifs(user=users[OrganisationType.DREETS], filtres=filtres),
        "ofa": lambda: selectors.indicateurs_effectifs(
            user=users[OrganisationType.ORGANISME_FORMATION], filtres=filtres, organisme=organisme
        ),
    }
    out = {}
    for name, call in calls.items():
        with CaptureQueriesContext(connection) as captured:
            answer = call()
        queries = [q["sql"] for q in captured.captured_queries]
        print(f"\n=== {name} : {len(queries)} requête(s), réponse {answer}")
        for sql in queries:
            print(f"--- {sql}")
        plans = []
        with connection.cursor() as cursor:
            for sql in queries:
                if sql.lstrip().upper().startswith("SELECT") and "COUNT(" in sql.upper():
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    plans.append(plan)
                    print(plan)
        out[name] = {"queries": len(queries), "answer": answer}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=9, help="repetitions of each dashboard measure")
    parser.add_argument("--reuse", action="store_true", help="measure the data already in the database")
    parser.add_argument("--explain", action="store_true", help="query counts and EXPLAIN ANALYZE")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--no-vacuum", action="store_true", help="measure without VACUUM ANALYZE (no statistics if autovacuum is off)"
    )
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    name = check_database(database_url)
    env = {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tdba.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
    }
    os.environ.update(env)
    result: dict = {"records": args.records, "seed": args.seed, "database": name}
    if not (args.reuse and database_exists(database_url, name)):
        # Migrations run in a child process: Django is set up here only once the database exists.
        django_setup(env)
        result["load"] = build(database_url, name, args.records, args.seed)
    else:
        django_setup(env)
    from django.db import connection

    from bench.run import dashboards

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM effectifs_effectif")
        result["effectifs"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM effectifs_effectifstatutperiode")
        result["periodes"] = cursor.fetchone()[0]
    log(f"mesures sur {result['effectifs']} effectifs, {result['periodes']} périodes ({args.repeat} appels)")
    result["dashboards"] = dashboards(args.repeat, vacuum=not args.no_vacuum)
    if args.explain:
        result["explain"] = explain()
    print(json.dumps(result, indent=1, default=str))
    if args.drop:
        from django.db import connections

        connections.close_all()
        with contextlib.suppress(Exception), pg_connect(database_url, dbname="postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
