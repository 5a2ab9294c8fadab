import pytest

from organismes.models import Academie, Departement, Region
from organismes.territoires import departement_of_code_postal


@pytest.mark.django_db
def test_territories_are_shipped_with_official_counts():
    assert Region.objects.count() == 26
    assert Departement.objects.count() == 109
    assert Academie.objects.count() == 35


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "nom", "region", "academie"),
    [
        ("56", "Morbihan", "53", "14"),
        ("2A", "Corse-du-Sud", "94", "27"),
        ("2B", "Haute-Corse", "94", "27"),
        ("974", "La Réunion", "04", "28"),
        ("976", "Mayotte", "06", "43"),
        ("75", "Paris", "11", "01"),
        ("93", "Seine-Saint-Denis", "11", "24"),
        ("01", "Ain", "84", "10"),
    ],
)
def test_known_departements(code, nom, region, academie):
    departement = Departement.objects.get(code=code)
    assert (departement.nom, departement.region_id, departement.academie_id) == (nom, region, academie)


@pytest.mark.django_db
def test_known_region_and_academie_names():
    assert Region.objects.get(code="53").nom == "Bretagne"
    assert Region.objects.get(code="93").nom == "Provence-Alpes-Côte d'Azur"
    assert Academie.objects.get(code="70").nom == "Normandie"
    assert Academie.objects.get(code="12").nom == "Nancy-Metz"
    assert sorted(Academie.objects.filter(departements__region_id="11").distinct().values_list("code", flat=True)) == [
        "01",
        "24",
        "25",
    ]


@pytest.mark.parametrize(
    ("code_postal", "departement"),
    [("56000", "56"), ("20000", "2A"), ("20200", "2B"), ("97400", "974"), ("01000", "01"), ("1000", None), ("", None)],
)
def test_departement_of_code_postal(code_postal, departement):
    assert departement_of_code_postal(code_postal) == departement
