from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from organismes.models import Fiabilisation, Nature, Organisme, OrganismeRelation
from organismes.referentiel import read_file
from organismes.services import referentiel_import

HEADER = "uai;siret;raison_sociale;nature;ferme;referentiel;code_postal;commune;reseaux;responsables\n"
VALID = (
    "0755805C;77568013501139;CFA DES MÉTIERS DE PARIS;;non;present;75011;Paris;CCI;\n"
    "0802004U;77937827200016;CFA DE L'AIN;;non;present;01000;Bourg-en-Bresse;CCI|COMP_DU_DEVOIR;"
    "0755805C/77568013501139\n"
    ";98765432400019;ANTENNE SANS UAI;;oui;present;56000;Vannes;;0755805C/77568013501139\n"
)


def _import(text: str, **kwargs):
    return referentiel_import(raw_rows=read_file("referentiel.csv", text.encode()), **kwargs)


@pytest.mark.django_db
def test_valid_rows_create_organismes_with_fiabilisation_relations_and_natures():
    report = _import(HEADER + VALID)

    assert (report.created, report.updated, report.unchanged, report.rejected) == (3, 0, 0, [])
    responsable = Organisme.objects.get(uai="0755805C")
    formateur = Organisme.objects.get(uai="0802004U")
    sans_uai = Organisme.objects.get(siret="98765432400019")
    # A couple present in the référentiel is fiable; without UAI it cannot be.
    assert responsable.fiabilisation_statut == Fiabilisation.FIABLE and responsable.fiable
    assert sans_uai.fiabilisation_statut == Fiabilisation.NON_FIABLE and sans_uai.ferme
    assert formateur.departement_id == "01" and formateur.region_id == "84" and formateur.academie_id == "10"
    assert sorted(formateur.reseaux.values_list("key", flat=True)) == ["cci", "comp_du_devoir"]
    assert set(responsable.formateurs.all()) == {formateur, sans_uai}
    assert responsable.nature == Nature.RESPONSABLE
    assert formateur.nature == Nature.FORMATEUR


@pytest.mark.django_db
def test_reimport_is_idempotent_and_updates_changed_rows():
    _import(HEADER + VALID)
    assert _import(HEADER + VALID).unchanged == 3

    report = _import(HEADER + VALID.replace("CFA DE L'AIN", "CFA DE L'AIN (NOUVEAU NOM)"))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Organisme.objects.get(uai="0802004U").raison_sociale == "CFA DE L'AIN (NOUVEAU NOM)"
    assert Organisme.objects.count() == 3
    assert OrganismeRelation.objects.count() == 2


@pytest.mark.django_db
def test_organismes_absent_from_a_full_import_become_non_fiables():
    _import(HEADER + VALID)
    lines = VALID.splitlines(keepends=True)

    report = _import(HEADER + lines[0] + lines[2])

    assert report.reset_non_fiable == 1
    assert Organisme.objects.get(uai="0802004U").fiabilisation_statut == Fiabilisation.NON_FIABLE
    assert _import(HEADER + lines[0], reset_absent=False).reset_non_fiable == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("0755805C;;X;;;;;;;\n", "SIRET manquant"),
        ("0755805C;7756801350113;X;;;;;;;\n", "SIRET invalide « 7756801350113 » : 14 chiffres attendus"),
        ("0755805C;77568013501138;X;;;;;;;\n", "SIRET invalide « 77568013501138 » : clé de contrôle incorrecte"),
        ("075580C;77568013501139;X;;;;;;;\n", "UAI invalide « 075580C » : 7 chiffres et 1 lettre attendus"),
        ("0755805C;77568013501139;X;grossiste;;;;;;\n", "nature inconnue « grossiste »"),
        (
            "0755805C;77568013501139;X;;peut-être;;;;;\n",
            "valeur « peut-être » non reconnue pour ferme (attendu : oui/non)",
        ),
        ("0755805C;77568013501139;X;;;;7500;;;\n", "code postal invalide « 7500 »"),
        (
            "0755805C;77568013501139;X;;;;;;;pas-un-couple\n",
            "responsable « pas-un-couple » illisible : format attendu UAI/SIRET",
        ),
    ],
)
def test_invalid_rows_are_rejected_with_their_reason(line, reason):
    report = _import(HEADER + line)

    assert [(r.line, r.reason) for r in report.rejected] == [(2, reason)]
    assert Organisme.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_couple_in_the_same_file_is_rejected():
    line = VALID.splitlines(keepends=True)[0]
    report = _import(HEADER + line + line)
    assert [(r.line, r.reason) for r in report.rejected] == [(3, "couple UAI/SIRET déjà présent ligne 2")]


@pytest.mark.django_db
def test_json_format_is_accepted():
    content = (
        b'{"organismes": [{"uai": "0802004u", "siret": "779 378 272 00016", "raison_sociale": "CFA", "ferme": false}]}'
    )
    report = referentiel_import(raw_rows=read_file("r.json", content))
    assert report.created == 1
    assert Organisme.objects.get().uai == "0802004U"


@pytest.mark.django_db
def test_partial_responsibility_when_the_formateur_answers_to_several_sirens():
    rows = HEADER + (
        "0755805C;77568013501139;R1;;non;present;75011;Paris;;\n"
        "0000000A;00000000000018;R2;;non;present;56000;Vannes;;\n"
        "0802004U;77937827200016;F;;non;present;01000;Bourg;;0755805C/77568013501139|0000000A/00000000000018\n"
    )
    _import(rows)
    assert set(OrganismeRelation.objects.values_list("responsabilite_partielle", flat=True)) == {True}


@pytest.mark.django_db
def test_management_command_reports_counts_and_rejections(tmp_path):
    path = tmp_path / "referentiel.csv"
    path.write_text(HEADER + VALID + "0755805C;123;X;;;;;;;\n", encoding="utf-8")
    out = StringIO()

    call_command("import_referentiel", str(path), stdout=out)

    text = out.getvalue()
    assert "4 ligne(s) lue(s) : 3 créé(s), 0 mis à jour, 0 inchangé(s), 1 rejeté(s)" in text
    assert "ligne 5 rejetée : SIRET invalide « 123 » : 14 chiffres attendus" in text


def test_management_command_refuses_a_missing_or_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("import_referentiel", str(tmp_path / "absent.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("nom;ville\nX;Y\n", encoding="utf-8")
    with pytest.raises(CommandError, match="colonne « siret » est introuvable"):
        call_command("import_referentiel", str(bad))


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_contains_the_spec_fixture_couple():
    call_command("load_demo", stdout=StringIO())
    count = Organisme.objects.count()
    call_command("load_demo", stdout=StringIO())

    assert Organisme.objects.count() == count >= 200
    formateur = Organisme.objects.get(uai="0802004U", siret="77937827200016")
    responsable = Organisme.objects.get(uai="0755805C", siret="77568013501139")
    assert responsable.formateurs.filter(pk=formateur.pk).exists()
    assert Organisme.objects.filter(ferme=True).exists()
    assert Organisme.objects.filter(uai__isnull=True).exists()
    assert Organisme.objects.values("region").distinct().count() >= 5
