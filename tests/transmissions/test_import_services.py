"""Services of the Excel import (transmissions/imports.py) and its Celery task, on real generated files."""

import pytest

from organismes.models import AuditLog
from tests.transmissions.fichiers_import import ligne, xlsx
from transmissions import imports
from transmissions.excel import MAX_ROWS, ExcelImportError
from transmissions.models import ImportFichier, QueueItem, Source
from transmissions.tasks import import_preparer


@pytest.fixture
def formateur(fixture_couple):
    return fixture_couple[0]


@pytest.fixture
def user(formateur):
    from tests.factories import UserFactory

    return UserFactory(organisation__organisme=formateur)


def create(formateur, user, content: bytes, filename: str = "effectifs.xlsx") -> ImportFichier:
    return imports.import_create(organisme=formateur, user=user, filename=filename, content=content)


def errors_of(fichier: ImportFichier, index: int = 0) -> list[tuple[str, str, str]]:
    return [(error["path"][0], error["message"], error["code"]) for error in fichier.resultats[index]]


def test_a_small_valid_file_is_checked_at_once_and_kept_without_nulls_nor_bytes(formateur, user):
    fichier = create(formateur, user, xlsx([ligne(), ligne(prenom_apprenant="Jules")]))

    fichier.refresh_from_db()
    assert fichier.etat == ImportFichier.Etat.PRET
    assert (fichier.lignes_total, fichier.lignes_traitees, fichier.lignes_en_erreur) == (2, 2, 0)
    assert fichier.resultats == [[], []]
    assert fichier.contenu is None
    assert fichier.peut_importer
    first = fichier.lignes[0]
    assert first["line"] == 2
    assert first["values"]["date_entree_formation"] == ligne()["date_entree_formation"].isoformat()
    assert None not in first["values"].values()
    assert len(first["values"]["id_erp_apprenant"]) == 16  # cyrb53 of prénom + nom + date de naissance
    assert fichier.sans_contrat == 2


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"email_contact": None}, [("email_contact", "String attendu", "champ_obligatoire")]),
        # Malformed, hence also absent from the référentiel: both issues, as the reference's schema gives them.
        (
            {"etablissement_formateur_uai": "080204U"},
            [
                ("etablissement_formateur_uai", "UAI invalide", "uai_invalide"),
                ("etablissement_formateur_uai", "UAI non valide", "uai_inconnue"),
            ],
        ),
        (
            {"etablissement_formateur_uai": "0999999Z"},
            [("etablissement_formateur_uai", "UAI non valide", "uai_inconnue")],
        ),
        (
            {"etablissement_responsable_siret": "11111111111111"},
            [("etablissement_responsable_siret", "Siret non valide", "siret_inconnu")],
        ),
        ({"date_entree_formation": "demain"}, [("date_entree_formation", "Date invalide", "date_invalide")]),
    ],
    ids=["champ-obligatoire", "uai-mal-formee", "uai-inconnue", "siret-inconnu", "date-en-texte"],
)
def test_the_strict_upload_schema_reports_each_error_class(formateur, user, overrides, expected):
    fichier = create(formateur, user, xlsx([ligne(), ligne(**overrides)]))

    assert fichier.resultats[0] == []
    assert errors_of(fichier, 1) == expected
    assert (fichier.lignes_en_erreur, fichier.erreurs) == (1, len(expected))
    assert not fichier.peut_importer


def test_missing_required_columns_are_listed_and_every_row_is_in_error(formateur, user):
    keys = [key for key in ligne() if key != "adresse_apprenant"]

    fichier = create(formateur, user, xlsx([ligne()], keys=keys))

    assert fichier.colonnes["manquantes"] == ["adresse_apprenant"]
    assert errors_of(fichier) == [("adresse_apprenant", "String attendu", "champ_obligatoire")]


def test_a_nir_column_is_never_kept(formateur, user):
    keys = [*ligne(), "nir_apprenant"]
    row = {**ligne(), "nir_apprenant": "2070521080123"}

    fichier = create(formateur, user, xlsx([row], keys=keys))

    assert "nir_apprenant" not in fichier.lignes[0]["values"]
    assert fichier.colonnes["inconnues"] == ["nir_apprenant"]


@pytest.mark.parametrize(
    ("content", "filename", "code"),
    [
        (b"%PDF-1.4 not a spreadsheet", "effectifs.pdf", "fichier_non_tableur"),
        (b"", "effectifs.xlsx", "fichier_vide"),
        (xlsx([{"a": 1}], keys=["colonne_inconnue"]), "effectifs.xlsx", "format_non_conforme"),
        (xlsx([], keys=["nom_apprenant"]), "effectifs.xlsx", imports.CODE_AUCUNE_LIGNE),
        (
            xlsx([{"nom_apprenant": f"N{i}"} for i in range(MAX_ROWS + 1)], keys=["nom_apprenant"]),
            "effectifs.xlsx",
            "trop_de_lignes",
        ),
    ],
    ids=["pas-un-tableur", "vide", "colonnes-inconnues", "entetes-seules", "trop-de-lignes"],
)
def test_a_bad_small_file_raises_and_stores_nothing(formateur, user, content, filename, code):
    with pytest.raises(ExcelImportError) as raised:
        create(formateur, user, content, filename)

    assert raised.value.code == code
    assert ImportFichier.objects.count() == 0


def big_file(rows: int = 1000, **overrides) -> bytes:
    content = xlsx([ligne(prenom_apprenant=f"Prénom{i}", **overrides) for i in range(rows)])
    assert len(content) > imports.SYNC_MAX_BYTES
    return content


def test_a_large_file_is_stored_then_prepared_by_the_task(formateur, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        fichier = create(formateur, user, big_file())

    assert len(callbacks) == 1  # import_preparer queued once the upload is committed
    fichier.refresh_from_db()
    assert fichier.etat == ImportFichier.Etat.EN_COURS
    assert fichier.contenu is not None and fichier.lignes == []

    assert import_preparer(fichier.pk) == ImportFichier.Etat.PRET

    fichier.refresh_from_db()
    assert fichier.etat == ImportFichier.Etat.PRET
    assert (fichier.lignes_total, fichier.lignes_traitees, fichier.lignes_en_erreur) == (1000, 1000, 0)
    assert fichier.contenu is None
    # Delivered twice: nothing happens the second time.
    assert import_preparer(fichier.pk) == ImportFichier.Etat.PRET
    assert import_preparer(0) == ""


def test_a_large_bad_file_ends_in_error_without_its_bytes(formateur, user, django_capture_on_commit_callbacks):
    content = b"%PDF-1.4 " + bytes(range(256)) * 400
    fichier = create(formateur, user, content, "scan.pdf")

    import_preparer(fichier.pk)

    fichier.refresh_from_db()
    assert fichier.etat == ImportFichier.Etat.ERREUR
    assert fichier.code_erreur == "fichier_non_tableur"
    assert fichier.message_erreur.startswith("Ce fichier n'est pas un fichier Excel (.xlsx) ou CSV lisible.")
    assert fichier.contenu is None and fichier.lignes == []


def test_import_validate_sends_the_rows_through_the_api_path_once(formateur, user):
    fichier = create(formateur, user, xlsx([ligne(), ligne(prenom_apprenant="Jules")]))

    result = imports.import_validate(fichier=fichier, user=user)

    assert not result.already
    items = QueueItem.objects.order_by("position")
    assert [item.source for item in items] == [Source.FICHIER, Source.FICHIER]
    assert {item.source_organisme_id for item in items} == {formateur.pk}
    assert items[1].payload["prenom_apprenant"] == "Jules"
    assert not any(item.has_error for item in items)
    fichier.refresh_from_db()
    assert fichier.etat == ImportFichier.Etat.IMPORTE
    assert fichier.lot == items[0].lot and fichier.lot.user == user
    assert fichier.lignes == [] and fichier.resultats == []
    log = AuditLog.objects.get(action="effectifs_importes_fichier")
    assert (log.user, log.organisme, log.data["lignes"]) == (user, formateur, 2)

    again = imports.import_validate(fichier=fichier, user=user)

    assert again.already
    assert QueueItem.objects.count() == 2
    assert AuditLog.objects.filter(action="effectifs_importes_fichier").count() == 1


def test_import_validate_is_refused_while_errors_remain(formateur, user):
    fichier = create(formateur, user, xlsx([ligne(), ligne(email_contact=None)]))

    with pytest.raises(imports.ImportRefuse):
        imports.import_validate(fichier=fichier, user=user)

    assert QueueItem.objects.count() == 0
    fichier.refresh_from_db()
    assert fichier.etat == ImportFichier.Etat.PRET
