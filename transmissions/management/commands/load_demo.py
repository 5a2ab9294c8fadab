"""Demo data for `make run`: référentiels, one account per organisation type, an exchange key and a sample file.

It lives in `transmissions` (the top floor) because it composes all apps: the ground floor's demo data come from
`organismes.demo`, the key from `erp_keys`. Idempotent: run it at every start.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from effectifs.formations import formations_import, formations_read_file
from erp_keys.services import erp_key_authenticate, erp_key_generate
from organismes.demo import FIXTURE_FORMATEUR, demo_referentiel_load, demo_users_load
from organismes.models import Organisme

SAMPLE_FILE = Path("docs") / "exemples" / "dossiers-apprenants.json"
FORMATIONS_FILE = Path("docs") / "exemples" / "formations.csv"


def demo_key_file() -> Path:
    # Only a digest of a key is stored: the clear demo key is kept here (var/ is git-ignored) to be reused.
    return Path(settings.VAR_DIR) / "demo-cle.txt"


def demo_key_get_or_create(*, organisme: Organisme) -> tuple[str, bool]:
    """The demo exchange key of `organisme`: the saved one if it is still its active key, else a new one."""
    path = demo_key_file()
    if path.exists():
        saved = path.read_text(encoding="utf-8").strip()
        active = erp_key_authenticate(saved)
        if active is not None and active.organisme_id == organisme.pk:
            return saved, False
    key = erp_key_generate(organisme=organisme)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return key, True


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (idempotent) : référentiels des organismes et des formations, un "
        "compte validé par type d'organisation, une clé d'échange pour l'organisme formateur 0802004U et un fichier "
        "d'exemple à envoyer."
    )

    def handle(self, *args, **options):
        report = demo_referentiel_load()
        self.stdout.write(
            f"Référentiel de démonstration : {report.created} organisme(s) créé(s), {report.updated} mis à jour, "
            f"{report.unchanged} inchangé(s)."
        )
        path = Path(settings.BASE_DIR) / FORMATIONS_FILE
        formations = formations_import(raw_rows=formations_read_file(path.name, path.read_bytes()))
        self.stdout.write(
            f"Référentiel des formations de démonstration ({FORMATIONS_FILE}) : {formations.created} créée(s), "
            f"{formations.updated} mise(s) à jour, {formations.unchanged} inchangée(s)."
        )
        self.stdout.write("Comptes de démonstration (courriel / mot de passe / type) :")
        for account in demo_users_load():
            self.stdout.write(f"  {account.email:36} {account.password:32} {account.label}")

        formateur = Organisme.objects.get(**FIXTURE_FORMATEUR)
        key, created = demo_key_get_or_create(organisme=formateur)
        state = "nouvelle clé générée" if created else "clé existante réutilisée"
        self.stdout.write(
            f"Clé d'échange de démonstration de l'organisme {formateur.uai} / {formateur.siret} ({state}, "
            f"conservée dans {demo_key_file()}) :"
        )
        self.stdout.write(f"  {key}")
        self.stdout.write("Fichier d'exemple (8 dossiers, dont 4 en erreur) à envoyer comme le ferait un ERP :")
        self.stdout.write(f"  .venv/bin/python manage.py erp_push {SAMPLE_FILE} --key {key}")
        self.stdout.write(
            "  puis, connecté en ofa.formateur@demo.tdba.fr : Mon compte > Transmissions "
            "(http://127.0.0.1:8000/transmissions/)."
        )
