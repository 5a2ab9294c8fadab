from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import OrganismeFactory, ReseauFactory, UserFactory


@pytest.mark.django_db
def test_organisme_card_shows_identity_badges_and_links_in_french(client):
    organisme = OrganismeFactory(
        uai="0802004U",
        siret="77937827200016",
        raison_sociale="CFA DUMOULIN",
        adresse_numero="5",
        adresse_voie="RUE DUTOT",
        code_postal="13001",
        commune="MARSEILLE",
        last_transmission_date=timezone.now() - timedelta(days=2),
        reseaux=[ReseauFactory(key="cci", nom="CCI")],
    )
    client.force_login(UserFactory(organisation__organisme=organisme))

    response = client.get(reverse("organisme_detail", args=[organisme.public_id]))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html
    for text in [
        "CFA DUMOULIN",
        "UAI&nbsp;:&nbsp;<strong>0802004U</strong>",
        "SIRET&nbsp;:&nbsp;<strong>779378272 00016 (en activité)</strong>",
        "Nature&nbsp;:&nbsp;<strong>Responsable et formateur</strong>",
        "Raison sociale : <strong>CFA DUMOULIN</strong>",
        "Domiciliation : <strong>5 RUE DUTOT 13001 MARSEILLE</strong>",
        "Organisme fiable",
        "Données transmises",
        "Dernière MAJ : " + timezone.localtime(organisme.last_transmission_date).strftime("%d/%m/%Y"),
        "Cet organisme fait partie du réseau",
        "Catalogue",
        "Référentiel",
        "Annuaire des entreprises",
        "https://annuaire-entreprises.data.gouv.fr/etablissement/77937827200016",
    ]:
        assert text in html, text
    assert "fr-badge--success" in html


@pytest.mark.django_db
def test_organisme_card_of_a_closed_non_fiable_organisme_without_transmission(client):
    organisme = OrganismeFactory(uai=None, ferme=True, non_fiable=True)
    client.force_login(UserFactory(organisation__organisme=organisme))

    html = client.get(reverse("organisme_detail", args=[organisme.public_id])).content.decode()

    assert "UAI&nbsp;:&nbsp;<strong>NON DÉTERMINÉE</strong>" in html
    assert "(fermé)" in html
    assert "Organisme non fiable" in html
    assert "Données non transmises" in html


@pytest.mark.django_db
def test_organisme_card_requires_login_and_unknown_ids_answer_404(client):
    organisme = OrganismeFactory()
    url = reverse("organisme_detail", args=[organisme.public_id])

    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))

    client.force_login(UserFactory())
    assert client.get("/organismes/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get(f"/organismes/{organisme.pk}/").status_code == 404


@pytest.mark.django_db
def test_organisme_card_links_to_its_pages_only_with_the_permissions(client):
    from tests.factories import OrganisationFactory, RelationFactory

    responsable, formateur = OrganismeFactory(), OrganismeFactory()
    RelationFactory(responsable=responsable, formateur=formateur)
    url = reverse("organisme_detail", args=[formateur.public_id])

    client.force_login(UserFactory(organisation=OrganisationFactory(organisme=responsable)))
    html = client.get(url).content.decode()
    for text in ("Son tableau de bord", "Ses indicateurs", "Ses effectifs", "Sa clé d'échange"):
        assert text in html, text

    client.force_login(UserFactory())
    html = client.get(url).content.decode()
    for text in ("Son tableau de bord", "Ses effectifs", "Sa clé d'échange"):
        assert text not in html, text
