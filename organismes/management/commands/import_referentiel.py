from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from organismes.referentiel import ReferentielFileError, read_file
from organismes.services import referentiel_import


class Command(BaseCommand):
    help = "Importe un fichier du référentiel UAI–SIRET (CSV ou JSON, colonnes décrites dans docs/referentiel.md)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="chemin du fichier .csv ou .json")
        parser.add_argument(
            "--no-reset",
            action="store_true",
            help="ne pas marquer « non fiables » les organismes absents du fichier (import partiel)",
        )

    def handle(self, *args, path, no_reset, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            raw_rows = read_file(file.name, file.read_bytes())
        except ReferentielFileError as exc:
            raise CommandError(str(exc)) from exc
        report = referentiel_import(raw_rows=raw_rows, reset_absent=not no_reset)
        self.stdout.write(
            f"{len(raw_rows)} ligne(s) lue(s) : {report.created} créé(s), {report.updated} mis à jour, "
            f"{report.unchanged} inchangé(s), {len(report.rejected)} rejeté(s), "
            f"{report.reset_non_fiable} devenu(s) non fiable(s)."
        )
        for rejected in report.rejected:
            self.stdout.write(f"  ligne {rejected.line} rejetée : {rejected.reason}")
        for warning in report.warnings:
            self.stdout.write(f"  attention : {warning}")
