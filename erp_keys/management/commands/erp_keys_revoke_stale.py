from django.core.management.base import BaseCommand

from erp_keys.services import erp_keys_revoke_stale


class Command(BaseCommand):
    help = "Révoque les clés d'échange sans activité depuis 12 mois (ou --months)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="compter sans rien modifier")
        parser.add_argument("--limit", type=int, default=None, help="nombre maximal de clés à révoquer")
        parser.add_argument("--months", type=int, default=12)

    def handle(self, *args, dry_run, limit, months, **options):
        result = erp_keys_revoke_stale(dry_run=dry_run, limit=limit, months=months)
        verb = "seraient révoquées" if result.dry_run else "révoquées"
        self.stdout.write(
            f"{result.revoked} clé(s) {verb} (sans activité depuis le {result.cutoff:%d/%m/%Y}, {months} mois)."
        )
