from django.core.management.base import BaseCommand, CommandError

from erp_keys.services import erp_key_generate
from organismes.models import Organisme


class Command(BaseCommand):
    help = (
        "Génère une nouvelle clé d'échange pour un organisme existant (outil du support). "
        "La clé affichée est la seule copie : elle n'est stockée que sous forme d'empreinte."
    )

    def add_arguments(self, parser):
        parser.add_argument("--uai", required=True)
        parser.add_argument("--siret", required=True)

    def handle(self, *args, uai, siret, **options):
        organisme = Organisme.objects.filter(uai=uai.strip().upper(), siret=siret.replace(" ", "")).first()
        if organisme is None:
            raise CommandError(f"Aucun organisme avec l'UAI {uai} et le SIRET {siret}.")
        key = erp_key_generate(organisme=organisme)
        self.stderr.write(f"Clé d'échange de {organisme.nom} (l'ancienne clé éventuelle ne fonctionne plus) :")
        self.stdout.write(key)
