from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from effectifs.formations import formations_import, formations_read_file
from organismes.referentiel import ReferentielFileError


class Command(BaseCommand):
    help = (
        "Importe le référentiel des formations (CSV ou JSON : cfd, rncp, libelle_long, libelle_court, niveau ; "
        "docs/referentiel.md) et complète l'intitulé et le niveau des effectifs."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="chemin du fichier .csv ou .json")

    def handle(self, *args, path, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            raw_rows = formations_read_file(file.name, file.read_bytes())
        except ReferentielFileError as exc:
            raise CommandError(str(exc)) from exc
        report = formations_import(raw_rows=raw_rows)
        self.stdout.write(
            f"{len(raw_rows)} ligne(s) lue(s) : {report.created} formation(s) créée(s), {report.updated} mise(s) à "
            f"jour, {report.unchanged} inchangée(s), {len(report.rejected)} rejetée(s) ; "
            f"{report.effectifs} effectif(s) complété(s)."
        )
        for rejected in report.rejected:
            self.stdout.write(f"  ligne {rejected.line} rejetée : {rejected.reason}")
