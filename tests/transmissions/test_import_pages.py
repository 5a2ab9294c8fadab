""" "Import des effectifs" pages (pages-import-sifa.md §2), through the real views and templates, with files
generated here (tests/transmissions/fichiers_import.py)."""

import datetime as dt
import html
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from effectifs.models import Effectif, StatutApprenant
from organismes.models import OrganisationType
from tests.factories import OrganisationFactory, OrganismeFactory, RelationFactory, ReseauFactory, UserFactory
from tests.transmissions.fichiers_import import TODAY, fill_template, ligne, xlsx
from transmissions import imports
from transmissions.excel import MAX_FILE_BYTES, MAX_ROWS, TEMPLATE_HEADERS
from transmissions.models import ImportFichier, QueueItem, Source
from transmissions.processing import queue_process_lot
from transmissions.tasks import import_preparer
from transmissions.views_import import CappedTemporaryFileUploadHandler

SUCCESS_RIBBON = "Le format de votre fichier a été correctement rempli."
SANS_CONTRAT_TEXT = (
    "Nous nous basons sur les dates de contrat, de rupture, de formation et d'exclusion pour déterminer le statut "
    "d'un effectif. N'oubliez pas de remplir les dates de contrat quand il y en a un, sans quoi les apprentis passent "
    'automatiquement en statut "abandon" 3 mois après leur date d\'inscription ou 6 mois après leur date de rupture.'
)


def _text(response) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def formateur(fixture_couple):
    return fixture_couple[0]


@pytest.fixture
def user(formateur):
    return UserFactory(organisation__organisme=formateur)


@pytest.fixture
def ofa(client, user):
    client.force_login(user)
    return client


def upload(client, content: bytes, name: str = "effectifs.xlsx", url: str | None = None, follow: bool = True):
    return client.post(url or reverse("televersement"), {"fichier": SimpleUploadedFile(name, content)}, follow=follow)


def preview_url(fichier: ImportFichier) -> str:
    return reverse("televersement_fichier", args=[fichier.public_id])


# ---- Template and upload page ----------------------------------------------------------------------------


def test_template_download_is_the_generated_xlsx(ofa):
    response = ofa.get(reverse("televersement_modele"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="modele-import-tdba.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Modèle", "Description des données"]
    headers = [cell.value for cell in workbook["Modèle"][1]]
    assert len(headers) == 62
    assert headers == list(TEMPLATE_HEADERS)


def test_template_download_needs_a_login(client):
    response = client.get(reverse("televersement_modele"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_upload_page_texts(ofa):
    response = ofa.get(reverse("televersement"))

    assert response.status_code == 200
    content = response.content.decode()
    text = _text(response)
    assert "<title>Import des effectifs |" in content
    assert "Import des effectifs version beta" in text
    assert "Déclarez tous vos apprenants en apprentissage, y compris les apprentis en contrat" in text
    assert "de préférence entre le 1er et le 5 de chaque mois." in text
    assert f'href="{reverse("televersement_modele")}"' in content
    assert "Télécharger le modèle Excel" in text
    # The modal is opened by DSFR's script: a button controlling a dialog, no inline JavaScript.
    assert 'data-fr-opened="false" aria-controls="modale-donnees-obligatoires"' in content
    assert 'id="modale-donnees-obligatoires" class="fr-modal"' in content
    assert "Les données obligatoires à renseigner" in text
    assert "Veuillez ne pas modifier l’intitulé des colonnes." in text
    assert "Quelques conseils sur le remplissage du fichier Excel" in text
    assert "Sélectionner un document à importer" in text
    assert f"Sélectionner un fichier contenant vos effectifs à importer (maximum {MAX_ROWS})." in text
    assert "Si vous utilisez plusieurs fichiers, merci d’importer vos documents un par un." in text
    assert 'class="fr-upload-group"' in content
    assert re.search(r'<input type="file" name="fichier" class="fr-upload" accept="\.xlsx,\.csv,', content)
    assert 'enctype="multipart/form-data"' in content
    assert "onclick" not in content and "<script>" not in content


# ---- Round trip ------------------------------------------------------------------------------------------


def learners() -> list[dict]:
    """Four learners made like factory data, one per status the file's dates lead to."""
    return [
        ligne(
            nom_apprenant="Durand",
            prenom_apprenant="Léa",
            date_de_naissance_apprenant=dt.date(2006, 3, 14),
            date_entree_formation=days(-60),
            date_inscription_formation=days(-70),
            contrat_date_debut=days(-50),
            contrat_date_fin=days(600),
            siret_employeur="77568013501139",
        ),
        ligne(nom_apprenant="Petit", prenom_apprenant="Hugo", date_de_naissance_apprenant=dt.date(2007, 1, 2)),
        ligne(
            nom_apprenant="Moreau",
            prenom_apprenant="Inès",
            date_de_naissance_apprenant=dt.date(2005, 11, 30),
            date_inscription_formation=days(-310),
            date_entree_formation=days(-300),
            contrat_date_debut=days(-290),
            contrat_date_fin=days(400),
            contrat_date_rupture=days(-30),
        ),
        ligne(
            nom_apprenant="Girard",
            prenom_apprenant="Noé",
            date_de_naissance_apprenant=dt.date(2006, 8, 8),
            date_inscription_formation=days(-310),
            date_entree_formation=days(-300),
            date_exclusion_formation=days(-20),
        ),
    ]


def test_template_round_trip_download_fill_upload_preview_import_effectifs(ofa, formateur, fixture_couple):
    template = ofa.get(reverse("televersement_modele")).content
    content = fill_template(template, learners())

    response = upload(ofa, content, "modele-import-tdba.xlsx")

    fichier = ImportFichier.objects.get()
    assert response.redirect_chain == [(preview_url(fichier), 302)]
    text = _text(response)
    assert SUCCESS_RIBBON in text
    assert "Votre fichier n’a pas encore été importé." in text
    assert "Votre fichier inclut 4 ligne(s), dont 0 est/sont en erreur" in text
    assert response.content.decode().count(">Valide</p>") == 4
    assert "3 apprenants n'ont aucune date de début et de fin de contrat renseignée." not in text
    assert "2 apprenants n'ont aucune date de début et de fin de contrat renseignée." in text
    assert SANS_CONTRAT_TEXT in text
    assert "14/03/2006" in text  # dates shown dd/mm/yyyy
    assert 'disabled aria-describedby="import-bloque"' not in response.content.decode()

    response = ofa.post(reverse("televersement_importer", args=[fichier.public_id]), follow=True)

    text = _text(response)
    assert "Votre fichier a été accepté : consultez le rapport de transmission." in text
    assert "Attention : le contrôle a été réalisé sur le format des données de votre fichier" in text
    assert "Vos effectifs sont en attente d'affichage sur votre espace" in text
    assert "Information : Transmettez vos effectifs au tableau de bord une fois par mois" in text
    assert "Pourquoi consulter vos effectifs ?" in text
    content = response.content.decode()
    report_url = reverse("transmissions_jour", args=[dt.datetime.now(dt.UTC).date().isoformat()])
    assert f'href="{report_url}">Voir le rapport de transmission</a>' in content
    assert f'href="{reverse("mes_effectifs")}">Voir mes effectifs</a>' in content

    items = list(QueueItem.objects.order_by("position"))
    assert [item.source for item in items] == [Source.FICHIER] * 4
    assert all(item.source_organisme == formateur for item in items)
    queue_process_lot(lot_id=items[0].lot_id)

    statuts = dict(Effectif.objects.filter(organisme=formateur).values_list("nom", "statut_courant"))
    assert statuts == {
        "DURAND": StatutApprenant.APPRENTI,
        "PETIT": StatutApprenant.INSCRIT,
        "MOREAU": StatutApprenant.RUPTURANT,
        "GIRARD": StatutApprenant.ABANDON,
    }
    assert set(Effectif.objects.values_list("source", flat=True)) == {"FICHIER"}


def test_a_second_import_does_nothing_and_says_so(ofa):
    upload(ofa, xlsx([ligne()]))
    fichier = ImportFichier.objects.get()
    url = reverse("televersement_importer", args=[fichier.public_id])
    ofa.post(url)

    response = ofa.post(url, follow=True)

    assert QueueItem.objects.count() == 1
    assert imports.MESSAGE_DEJA_IMPORTE in _text(response)
    assert "Votre fichier a été accepté" in _text(response)


def test_csv_upload_is_accepted(ofa):
    row = ligne()
    keys = list(row)
    lines = [";".join(keys), ";".join(str(row[k]) for k in keys)]
    content = "\r\n".join(lines).encode("cp1252")

    response = upload(ofa, content, "effectifs.csv")

    assert SUCCESS_RIBBON in _text(response)


# ---- Errors in rows --------------------------------------------------------------------------------------


def test_each_error_class_is_shown_with_its_french_message_and_code(ofa):
    rows = [
        ligne(),
        ligne(prenom_apprenant="Sans", email_contact=None),
        ligne(prenom_apprenant="Mauvaise", etablissement_formateur_uai="080204U"),
        ligne(prenom_apprenant="Inconnue", etablissement_responsable_uai="0999999Z"),
        ligne(prenom_apprenant="Siret", etablissement_formateur_siret="11111111111111"),
        ligne(prenom_apprenant="Texte", date_de_naissance_apprenant="le 3 mars"),
    ]

    response = upload(ofa, xlsx(rows))

    text = _text(response)
    assert "6 erreurs ont été détectées dans votre fichier." in text
    assert "Vous devez modifier votre fichier et l'importer à nouveau." in text
    assert "Votre fichier inclut 6 ligne(s), dont 5 est/sont en erreur" in text
    assert response.content.decode().count(">Valide</p>") == 1
    assert "Courriel : Texte attendu champ_obligatoire" in text
    assert "UAI de l'établissement formateur : UAI invalide uai_invalide" in text
    assert "UAI de l'établissement formateur : UAI non valide uai_inconnue" in text
    assert "UAI de l'établissement responsable : UAI non valide uai_inconnue" in text
    assert "SIRET de l'établissement formateur : Siret non valide siret_inconnu" in text
    assert "Date de naissance : Date invalide date_invalide" in text
    assert "2 erreurs" in text and "1 erreur " in text
    # "Valider l'import" is disabled in the page...
    assert 'disabled aria-describedby="import-bloque"' in response.content.decode()
    fichier = ImportFichier.objects.get()

    # ... and refused by the server.
    response = ofa.post(reverse("televersement_importer", args=[fichier.public_id]), follow=True)

    assert imports.MESSAGE_IMPORT_IMPOSSIBLE in _text(response)
    assert QueueItem.objects.count() == 0


def test_single_error_ribbon_and_missing_columns(ofa):
    keys = [key for key in ligne() if key != "adresse_apprenant"]

    response = upload(ofa, xlsx([ligne()], keys=keys))

    text = _text(response)
    assert "Une erreur a été détectée dans votre fichier" in text
    assert "Les colonnes suivantes sont obligatoires et n’ont pas été trouvées" in text
    assert "adresse_apprenant (Adresse)" in text


def test_switch_shows_only_rows_in_error_and_the_preview_is_paginated(ofa):
    rows = [ligne(prenom_apprenant=f"P{i}") for i in range(120)]
    rows[7] = ligne(prenom_apprenant="Fautive", email_contact=None)
    upload(ofa, xlsx(rows))
    url = preview_url(ImportFichier.objects.get())

    first = ofa.get(url)
    last = ofa.get(url, {"page": 3})
    only_errors = ofa.get(url, {"erreurs": "1"})

    assert first.content.decode().count('<tr id="ligne-') == 50
    assert last.content.decode().count('<tr id="ligne-') == 20
    assert "Votre fichier inclut 120 ligne(s), dont 1 est/sont en erreur" in _text(first)
    assert only_errors.content.decode().count('<tr id="ligne-') == 1
    assert 'id="ligne-9"' in only_errors.content.decode()  # Excel row 9 = 8th data row
    assert 'name="erreurs" value="1" checked' in only_errors.content.decode()


# ---- Bad files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 pas un tableur", "effectifs.pdf", "Ce fichier n'est pas un fichier Excel (.xlsx) ou CSV lisible."),
        (b"", "effectifs.xlsx", "Le fichier est vide."),
        (
            xlsx([{"x": "1"}], keys=["colonne_inconnue"]),
            "effectifs.xlsx",
            "Le format de votre fichier n'est pas conforme. Veuillez respecter celui du fichier-modèle Excel",
        ),
        (
            xlsx([{"nom_apprenant": f"N{i}"} for i in range(MAX_ROWS + 1)], keys=["nom_apprenant"]),
            "effectifs.xlsx",
            "votre fichier ne doit pas dépasser 2000 lignes.",
        ),
    ],
    ids=["pas-un-tableur", "vide", "colonnes-inconnues", "trop-de-lignes"],
)
def test_each_bad_file_gets_its_french_message_and_stores_nothing(ofa, content, name, message):
    response = upload(ofa, content, name, follow=False)

    assert response.status_code == 200
    assert message in _text(response)
    assert "fr-upload-group--error" in response.content.decode()
    assert ImportFichier.objects.count() == 0
    assert QueueItem.objects.count() == 0


def test_a_too_big_file_is_refused_by_its_size(ofa, monkeypatch):
    def never(**kwargs):
        raise AssertionError("the file should have been refused before being read")

    monkeypatch.setattr(imports, "import_create", never)

    response = upload(ofa, b"PK\x03\x04" + b"\0" * MAX_FILE_BYTES, follow=False)

    assert response.status_code == 200
    assert "Votre fichier est trop volumineux (10,0 Mo). La taille maximale autorisée est de 10 Mo." in _text(response)
    assert ImportFichier.objects.count() == 0


def test_the_upload_handler_writes_at_most_the_cap_but_counts_every_byte():
    handler = CappedTemporaryFileUploadHandler(cap=10)
    handler.new_file("fichier", "gros.xlsx", "application/octet-stream", None)
    for start, chunk in ((0, b"a" * 8), (8, b"b" * 8), (16, b"c" * 8)):
        handler.receive_data_chunk(chunk, start)

    uploaded = handler.file_complete(24)

    assert uploaded.size == 24
    assert uploaded.read() == b"a" * 8 + b"b" * 2
    uploaded.close()


def test_no_file_selected(ofa):
    response = ofa.post(reverse("televersement"), {})

    assert "Veuillez sélectionner un fichier à importer." in _text(response)


# ---- Large files: the worker and the progress page -------------------------------------------------------


def test_a_large_file_shows_progress_until_the_task_prepared_it(ofa):
    rows = [ligne(prenom_apprenant=f"Prénom{i}") for i in range(1000)]
    response = upload(ofa, xlsx(rows))

    fichier = ImportFichier.objects.get()
    assert fichier.etat == ImportFichier.Etat.EN_COURS
    text = _text(response)
    assert "Analyse de votre fichier « effectifs.xlsx » en cours" in text
    content = response.content.decode()
    assert "<progress" in content and "http-equiv" not in content
    assert f'href="{preview_url(fichier)}">Actualiser</a>' in content.replace(
        'class="fr-btn fr-btn--secondary fr-icon-refresh-line fr-btn--icon-left" ', ""
    )
    etat_url = reverse("televersement_etat", args=[fichier.public_id])
    assert ofa.get(etat_url).json() == {
        "etat": "en_cours",
        "termine": False,
        "lignes_traitees": 0,
        "lignes_total": 0,
        "url": preview_url(fichier),
    }

    import_preparer(fichier.pk)

    state = ofa.get(etat_url).json()
    assert (state["termine"], state["lignes_traitees"], state["lignes_total"]) == (True, 1000, 1000)
    assert SUCCESS_RIBBON in _text(ofa.get(preview_url(fichier)))


def test_a_large_bad_file_shows_its_message_on_the_upload_form(ofa):
    upload(ofa, b"%PDF-1.4 " + bytes(range(256)) * 400, "scan.pdf")
    fichier = ImportFichier.objects.get()

    import_preparer(fichier.pk)
    response = ofa.get(preview_url(fichier))

    assert "Ce fichier n'est pas un fichier Excel (.xlsx) ou CSV lisible." in _text(response)
    assert "fr-upload-group--error" in response.content.decode()


# ---- Permissions -----------------------------------------------------------------------------------------


def organisme_url(organisme) -> str:
    return reverse("organisme_televersement", args=[organisme.public_id])


def test_responsable_with_full_access_imports_for_its_formateur(client, fixture_couple):
    formateur, responsable = fixture_couple
    RelationFactory(responsable=responsable, formateur=formateur)
    client.force_login(UserFactory(organisation__organisme=responsable))

    assert client.get(organisme_url(formateur)).status_code == 200
    response = upload(client, xlsx([ligne()]), url=organisme_url(formateur))

    fichier = ImportFichier.objects.get()
    assert fichier.organisme == formateur
    assert response.redirect_chain[0][0] == reverse(
        "organisme_televersement_fichier", args=[formateur.public_id, fichier.public_id]
    )
    response = client.post(
        reverse("organisme_televersement_importer", args=[formateur.public_id, fichier.public_id]), follow=True
    )
    assert QueueItem.objects.get().source_organisme == formateur
    # The responsable may not read the formateur's transmission reports: no link to them.
    assert "Voir le rapport de transmission" not in _text(response)
    assert "Voir ses effectifs" in _text(response)


def test_own_organisme_through_its_uuid(ofa, formateur):
    assert ofa.get(organisme_url(formateur)).status_code == 200


@pytest.mark.parametrize(
    "organisation",
    [
        pytest.param(lambda f, r: OrganisationFactory(organisme=OrganismeFactory()), id="of-non-lie"),
        pytest.param(
            lambda f, r: (
                OrganisationFactory(organisme=r)
                if RelationFactory(responsable=r, formateur=f, responsabilite_partielle=True)
                else None
            ),
            id="responsable-partiel",
        ),
        pytest.param(
            lambda f, r: OrganisationFactory(
                type=OrganisationType.TETE_DE_RESEAU, reseau=_reseau(f, responsable=False)
            ),
            id="reseau-non-responsable",
        ),
        pytest.param(lambda f, r: OrganisationFactory(type=OrganisationType.DREETS, region_id="84"), id="dreets"),
    ],
)
def test_others_get_404_everywhere(client, fixture_couple, organisation):
    formateur, responsable = fixture_couple
    owner = UserFactory(organisation__organisme=formateur)
    client.force_login(owner)
    upload(client, xlsx([ligne()]))
    fichier = ImportFichier.objects.get()
    client.force_login(UserFactory(organisation=organisation(formateur, responsable)))
    args = [formateur.public_id, fichier.public_id]

    assert client.get(organisme_url(formateur)).status_code == 404
    assert upload(client, xlsx([ligne()]), url=organisme_url(formateur), follow=False).status_code == 404
    assert client.get(reverse("organisme_televersement_fichier", args=args)).status_code == 404
    assert client.get(reverse("organisme_televersement_etat", args=args)).status_code == 404
    assert client.post(reverse("organisme_televersement_importer", args=args)).status_code == 404
    assert ImportFichier.objects.count() == 1
    assert QueueItem.objects.count() == 0


def _reseau(organisme, *, responsable: bool):
    reseau = ReseauFactory(responsable=responsable)
    organisme.reseaux.add(reseau)
    return reseau


def test_reseau_responsable_may_import(client, formateur):
    organisation = OrganisationFactory(
        type=OrganisationType.TETE_DE_RESEAU, reseau=_reseau(formateur, responsable=True)
    )
    client.force_login(UserFactory(organisation=organisation))

    assert client.get(organisme_url(formateur)).status_code == 200
    # Not an organisme de formation: no "own" import page.
    assert client.get(reverse("televersement")).status_code == 404


def test_another_member_cannot_open_my_upload(client, formateur):
    owner = UserFactory(organisation__organisme=formateur)
    client.force_login(owner)
    upload(client, xlsx([ligne()]))
    fichier = ImportFichier.objects.get()
    colleague = UserFactory(organisation=owner.organisation)
    client.force_login(colleague)

    assert client.get(preview_url(fichier)).status_code == 404
    assert client.post(reverse("televersement_importer", args=[fichier.public_id])).status_code == 404


def test_anonymous_is_sent_to_login(client, formateur):
    for url in (reverse("televersement"), organisme_url(formateur)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    response = upload(client, xlsx([ligne()]), follow=False)
    assert response.status_code == 302
    assert ImportFichier.objects.count() == 0
