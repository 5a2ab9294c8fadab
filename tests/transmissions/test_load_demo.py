"""load_demo (moved to transmissions): idempotent, a working demo key, a sample file with known errors."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from erp_keys.models import ExchangeKey
from organismes.demo import DEMO_PASSWORD
from organismes.models import Organisme, User
from transmissions.management.commands.load_demo import SAMPLE_FILE
from transmissions.models import QueueItem
from transmissions.processing import queue_process_lot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _key(output: str) -> str:
    lines = output.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("Clé d'échange de démonstration"))
    return lines[index + 1].strip()


def test_load_demo_is_idempotent_and_keeps_its_key(tmp_path):
    first = load()
    users, organismes = User.objects.count(), Organisme.objects.count()
    second = load()

    assert User.objects.count() == users and Organisme.objects.count() == organismes
    assert "ofa.formateur@demo.tdba.fr" in second and DEMO_PASSWORD in second
    key = _key(first)
    assert _key(second) == key and "clé existante réutilisée" in second
    assert (tmp_path / "demo-cle.txt").read_text().strip() == key
    assert ExchangeKey.objects.filter(organisme__uai="0802004U", revoked_at__isnull=True).count() == 1
    assert f"manage.py erp_push {SAMPLE_FILE} --key {key}" in second


def test_a_replaced_demo_key_is_regenerated(tmp_path):
    from erp_keys.services import erp_key_generate

    old = _key(load())
    erp_key_generate(organisme=Organisme.objects.get(uai="0802004U", siret="77937827200016"))  # e.g. in Paramètres

    output = load()

    assert _key(output) != old and "nouvelle clé générée" in output


def test_the_demo_key_pushes_the_sample_file_with_its_expected_errors(client):
    key = _key(load())
    records = json.loads((Path(settings.BASE_DIR) / SAMPLE_FILE).read_text(encoding="utf-8"))

    response = client.post(
        "/api/v3/dossiers-apprenants", records, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data) == 8
    assert [d.get("id_erp_apprenant") for d in data if d["validation_errors"]] == ["GESTI-2026-00061", None]
    queue_process_lot(lot_id=QueueItem.objects.first().lot_id)
    # The worker then refuses an unknown formateur couple and incoherent dates: 4 in error, 4 transmitted.
    assert QueueItem.objects.filter(has_error=True).count() == 4
    assert QueueItem.objects.filter(has_error=False, effectif__isnull=False).count() == 4
    codes = {e["code"] for item in QueueItem.objects.all() for e in item.validation_errors}
    assert {"organisme_formateur_non_trouve", "dates_formation_incoherentes", "uai_invalide"} <= codes
