from django.core.management.base import BaseCommand

from organismes.demo import demo_referentiel_rows
from organismes.services import referentiel_import


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent) : référentiel d'organismes."

    def handle(self, *args, **options):
        report = referentiel_import(raw_rows=demo_referentiel_rows(), reset_absent=False)
        self.stdout.write(
            f"Référentiel de démonstration : {report.created} organisme(s) créé(s), {report.updated} mis à jour, "
            f"{report.unchanged} inchangé(s)."
        )
