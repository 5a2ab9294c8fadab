"""erp_push plays the ERP against a real server (live_server: real HTTP, real key)."""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from erp_keys.services import erp_key_generate
from tests.factories import OrganismeFactory
from tests.transmissions.conftest import FORMATEUR, RESPONSABLE, dossier
from transmissions.models import QueueItem

# Real HTTP needs committed data; the territories of the data migrations are restored after each test.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def key(transactional_db):
    OrganismeFactory(**RESPONSABLE)
    return erp_key_generate(organisme=OrganismeFactory(**FORMATEUR))


def push(*args, **options) -> str:
    out = StringIO()
    call_command("erp_push", *args, stdout=out, **options)
    return out.getvalue()


def test_success_prints_counts_errors_and_queue_ids(live_server, key, tmp_path):
    path = tmp_path / "dossiers.json"
    records = [dossier(id_erp_apprenant="A"), dossier(id_erp_apprenant="B", formation_cfd="123")]
    path.write_text(json.dumps(records), encoding="utf-8")

    output = push(str(path), key=key, url=live_server.url)

    assert "Lot 1/1 : HTTP 200 — 2 dossier(s) mis en file d'attente, 1 invalide(s)." in output
    assert "Dossier n°2 (B) : 1 erreur(s)" in output
    assert "formation_cfd : Code CFD invalide [cfd_invalide]" in output
    ids = set(QueueItem.objects.values_list("public_id", flat=True))
    assert len(ids) == 2 and all(str(public_id) in output for public_id in ids)


def test_large_files_are_split_in_batches_of_2000_or_less(live_server, key, tmp_path):
    path = tmp_path / "dossiers.json"
    path.write_text(json.dumps([dossier(id_erp_apprenant=str(n)) for n in range(5)]), encoding="utf-8")

    output = push(str(path), key=key, url=live_server.url, batch_size=2)

    assert re.findall(r"Lot (\d)/3 : HTTP 200", output) == ["1", "2", "3"]
    assert QueueItem.objects.values("lot").distinct().count() == 3
    with pytest.raises(CommandError, match="entre 1 et 2000"):
        push(str(path), key=key, url=live_server.url, batch_size=2001)


def test_invalid_key_is_explained_in_french(live_server, key, tmp_path):
    path = tmp_path / "dossiers.json"
    path.write_text(json.dumps([dossier()]), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        push(str(path), key="00000000-0000-4000-8000-000000000000", url=live_server.url)

    assert "HTTP 403" in str(error.value) and "La clé API n'est pas valide" in str(error.value)
    assert "Paramètres" in str(error.value)
    assert not QueueItem.objects.exists()


def test_missing_file_invalid_json_and_not_an_array(key, tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        push(str(tmp_path / "absent.json"), key=key)
    broken = tmp_path / "casse.json"
    broken.write_text('[{"nom_apprenant": "Lefebvre",}]', encoding="utf-8")
    with pytest.raises(
        CommandError,
        match=r"n'est pas un JSON valide \(ligne 1, colonne 31\) : nom de champ entre guillemets doubles attendu",
    ):
        push(str(broken), key=key)
    objet = tmp_path / "objet.json"
    objet.write_text(json.dumps(dossier()), encoding="utf-8")
    with pytest.raises(CommandError, match="doit contenir un tableau JSON"):
        push(str(objet), key=key)


def test_connection_refused_and_bad_url(key, tmp_path):
    path = tmp_path / "dossiers.json"
    path.write_text(json.dumps([dossier()]), encoding="utf-8")
    # Port 9 (discard) is closed on test machines: the connection is refused at once.
    with pytest.raises(CommandError, match="connexion refusée"):
        push(str(path), key=key, url="http://127.0.0.1:9")
    with pytest.raises(CommandError, match="Adresse invalide"):
        push(str(path), key=key, url="file:///etc/passwd")
