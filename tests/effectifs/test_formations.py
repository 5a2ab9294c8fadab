"""The formation référentiel: import_formations, and the libellé and niveau it gives the effectifs."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from effectifs.formations import formations_import, formations_read_file
from effectifs.models import Effectif, Formation
from organismes.referentiel import ReferentielFileError
from tests.transmissions.conftest import dossier
from transmissions.models import QueueItem
from transmissions.processing import queue_process_lot

CSV = """cfd;rncp;libelle_long;libelle_court;niveau
50033616;RNCP34670;CAP Métiers de la coiffure;CAP COIFFURE;3
32031213;;BTS Management commercial opérationnel;BTS MCO;niveau 5
;RNCP31114;Titre professionnel Développeur web et web mobile;;5
"""


def _import(text: str = CSV, name: str = "formations.csv"):
    return formations_import(raw_rows=formations_read_file(name, text.encode()))


def _ingest(api, records):
    response = api(data=records)
    assert response.status_code == 200, response.content
    for lot in set(QueueItem.objects.values_list("lot_id", flat=True)):
        queue_process_lot(lot_id=lot)


def test_import_creates_then_changes_nothing_the_second_time(db):
    first = _import()
    second = _import()

    assert (first.created, first.updated, first.rejected) == (3, 0, [])
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    bts = Formation.objects.get(cfd="32031213")
    assert (bts.rncp, bts.libelle_court, bts.niveau) == ("", "BTS MCO", "5")


def test_a_changed_libelle_is_updated(db):
    _import()
    report = _import(CSV.replace("CAP Métiers de la coiffure", "CAP Coiffure"))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Formation.objects.get(cfd="50033616").libelle_long == "CAP Coiffure"


def test_codes_are_normalised_as_the_api_does(db):
    _import("cfd;rncp;libelle_long\n5003361a; 34 670 ;CAP X\n")

    formation = Formation.objects.get()
    assert (formation.cfd, formation.rncp) == ("5003361A", "RNCP34670")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("5003361;;CAP;3", "code CFD invalide : '5003361' (8 caractères, lettres et chiffres)"),
        (";RNCP1;CAP;3", "code RNCP invalide : 'RNCP1' (RNCP suivi de 2 à 5 chiffres)"),
        (";;CAP;3", "ni code CFD ni code RNCP"),
        ("50033616;;;3", "intitulé (libelle_long) manquant"),
        ("50033616;;CAP;9", "niveau inconnu : '9' (3 à 8)"),
    ],
)
def test_a_bad_line_is_rejected_with_its_reason_and_the_others_kept(db, line, reason):
    report = _import(f"cfd;rncp;libelle_long;niveau\n32031213;;BTS MCO;5\n{line}\n")

    assert [(r.line, r.reason) for r in report.rejected] == [(3, reason)]
    assert list(Formation.objects.values_list("cfd", flat=True)) == ["32031213"]


def test_a_couple_twice_in_the_file_is_rejected_the_second_time(db):
    report = _import("cfd;rncp;libelle_long\n50033616;RNCP34670;A\n50033616;RNCP34670;B\n")

    assert [(r.line, r.reason) for r in report.rejected] == [(3, "couple CFD/RNCP déjà présent ligne 2")]
    assert Formation.objects.get().libelle_long == "A"


def test_json_files_and_their_errors(db):
    data = {"formations": [{"cfd": "50033616", "libelle_long": "CAP", "niveau": 3}, "pas un objet"]}
    report = _import(json.dumps(data), "formations.json")

    assert report.created == 1 and [(r.line, r.reason) for r in report.rejected] == [
        (2, "l'élément n'est pas un objet")
    ]
    with pytest.raises(ReferentielFileError, match="Le fichier JSON est invalide"):
        formations_read_file("f.json", b"{")
    with pytest.raises(ReferentielFileError, match=r"Le fichier JSON doit contenir une liste de formations\."):
        formations_read_file("f.json", b'{"organismes": []}')
    with pytest.raises(ReferentielFileError, match="« libelle_long » est introuvable"):
        formations_read_file("f.csv", b"cfd;rncp\n50033616;RNCP34670\n")


def test_the_worker_gives_an_effectif_the_libelle_and_niveau_of_its_formation(db, api, fixture_couple):
    _import()
    _ingest(
        api,
        [
            dossier(id_erp_apprenant="A-1"),  # 50033616 / RNCP34670: the couple
            dossier(id_erp_apprenant="A-2", formation_cfd="32031213", formation_rncp="RNCP00001"),  # the CFD
            dossier(id_erp_apprenant="A-3", formation_cfd=..., formation_rncp="31114"),  # the RNCP, as sent bare
            dossier(id_erp_apprenant="A-4", formation_cfd="99999999", formation_rncp=...),  # unknown
        ],
    )

    got = dict(Effectif.objects.values_list("id_erp_apprenant", "formation_libelle_long"))
    assert got == {
        "A-1": "CAP Métiers de la coiffure",
        "A-2": "BTS Management commercial opérationnel",
        "A-3": "Titre professionnel Développeur web et web mobile",
        "A-4": "",
    }
    assert Effectif.objects.get(id_erp_apprenant="A-1").formation_niveau == "3"


def test_an_import_completes_the_effectifs_already_stored(db, api, fixture_couple, client):
    unknown = dossier(id_erp_apprenant="B-2", formation_cfd="12345678", formation_rncp=...)
    _ingest(api, [dossier(id_erp_apprenant="B-1"), unknown])
    assert set(Effectif.objects.values_list("formation_libelle_long", flat=True)) == {""}

    report = _import()

    assert report.effectifs == 1
    assert Effectif.objects.get(id_erp_apprenant="B-1").formation_libelle_long == "CAP Métiers de la coiffure"
    assert Effectif.objects.get(id_erp_apprenant="B-2").formation_libelle_long == ""
    assert _import().effectifs == 0  # nothing left to change


def test_the_command_reports_and_refuses_a_missing_file(db, tmp_path):
    path = tmp_path / "formations.csv"
    path.write_text(CSV + "5003361;;CAP;3\n", encoding="utf-8")
    out = StringIO()

    call_command("import_formations", str(path), stdout=out)

    assert (
        "4 ligne(s) lue(s) : 3 formation(s) créée(s), 0 mise(s) à jour, 0 inchangée(s), 1 rejetée(s)" in out.getvalue()
    )
    assert "ligne 5 rejetée : code CFD invalide" in out.getvalue()
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("import_formations", str(tmp_path / "absent.csv"))
    (tmp_path / "vide.csv").write_text("", encoding="utf-8")
    with pytest.raises(CommandError, match="Le fichier est vide"):
        call_command("import_formations", str(tmp_path / "vide.csv"))
