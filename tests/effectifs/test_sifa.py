"""Unit tests of the SIFA file (pure module, no database)."""

import dataclasses
import io
import zipfile
from datetime import UTC, date, datetime

import openpyxl
import pytest

from effectifs import sifa
from effectifs.sifa import SifaEffectif

SNAPSHOT = date(2024, 12, 31)
BOM = b"\xef\xbb\xbf"

# A learner with every field filled, shaped after the spec's example line (§3.6).
GASTON = SifaEffectif(
    ine="1234567890A",
    uai_organisme="0123456Z",
    uai_responsable="0123456A",
    uai_formateur="0123456B",
    type_cfa="10",
    cfd="50022145",
    rncp="RNCP34670",
    duree_theorique_mois=24,
    duree_formation_relle=22,
    annee=2,
    nom="DUPUIS",
    prenom="GASTON",
    adresse_complete="64 bis, route de Paris",
    adresse_voie="route de Paris",
    adresse_commune="Nantes",
    adresse_code_postal="44000",
    adresse_code_insee="44109",
    telephone="+33612345678",
    courriel="gaston@example.org",
    representant_legal_telephone="+33698765432",
    representant_legal_courriel="parent@example.org",
    representant_legal_pcs=54,
    date_de_naissance=date(2005, 2, 1),
    naissance_code_postal="44000",
    naissance_code_insee="44109",
    sexe="M",
    regime_scolaire="E",
    rqth=False,
    nationalite=1,
    situation_avant_contrat=31,
    dernier_diplome=4,
    derniere_situation=3103,
    dernier_organisme_uai="0441234X",
    contrat_type_employeur=12,
    contrat_date_debut=date(2024, 9, 2),
    contrat_date_rupture=None,
    contrat_code_postal="44300",
    contrat_naf="4321A",
    contrat_nombre_de_salaries=12,
    contrat_siret="12345678900017",
    parcours=((date(2024, 9, 2), sifa.APPRENTI),),
)

# Written by hand from the column table, one line per group of columns.
GASTON_LINE = (
    b'"1234567890A";"0123456A";"10";"0123456B";"NC";"NC";"APP";"50022145";"";24;22;"2A";'
    b'"DUPUIS";"";"GASTON";"";"";"64 bis, route de Paris";"44000";"44109";'
    b'"0612345678";"0698765432";"";"";"";"gaston@example.org";"parent@example.org";"";'
    b'"01022005";"44109";"1";"E";54;"0";1;31;"04";3103;"0441234X";'
    b'12;"";"02092024";;"44300";"4321A";12;"12345678900017"'
)


def row_of(e: SifaEffectif) -> dict:
    return dict(zip(sifa.COLUMNS, sifa.build_row(e), strict=True))


def with_(**changes) -> SifaEffectif:
    return dataclasses.replace(GASTON, **changes)


# --- Columns and CSV --------------------------------------------------------------------------


def test_columns_are_the_47_in_order():
    assert len(sifa.COLUMNS) == 47
    assert len(set(sifa.COLUMNS)) == 47
    assert sifa.COLUMNS[:12] == (
        "INE", "NUMERO_UAI", "TYPE_CFA", "SIT_FORM", "UAI_EPLE", "NAT_STR_JUR", "STATUT", "DIPLOME", "RNCP",
        "DUR_FORM_THEO", "DUR_FORM_REELLE", "AN_FORM",
    )  # fmt: skip
    assert sifa.COLUMNS[28:32] == ("DATE_NAIS", "LIEU_NAIS", "SEXE", "REGIME_SCO")
    assert sifa.COLUMNS[-1] == "SIRET_EMP"


def test_csv_known_learner_byte_for_byte():
    assert sifa.to_csv([sifa.build_row(GASTON)]) == BOM + GASTON_LINE


def test_csv_has_bom_no_header_and_no_trailing_newline():
    other = with_(ine=None, nom="MARTIN")
    csv = sifa.to_csv([sifa.build_row(GASTON), sifa.build_row(other)])
    assert csv.startswith(BOM)
    assert b"INE" not in csv
    assert not csv.endswith(b"\n")
    first, second = csv[len(BOM) :].split(b"\n")
    assert first == GASTON_LINE
    assert second.startswith(b'"=""""";"0123456A"')
    assert b'"MARTIN"' in second


def test_csv_without_rows_is_just_the_bom():
    assert sifa.to_csv([]) == BOM


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", b'"abc"'),
        ("", b'""'),
        ('il a dit "oui"', b'"il a dit ""oui"""'),
        ('=""', b'"="""""'),
        ("a;b", b'"a;b"'),
        ("Rennes", b'"Rennes"'),
        ("é", '"é"'.encode()),
        (24, b"24"),
        (0, b"0"),
        (24.0, b"24"),
        (1.5, b"1.5"),
        (None, b""),
    ],
)
def test_csv_quoting_follows_json2csv_5(value, expected):
    row = [None] * 46 + [value]
    assert sifa.to_csv([row]) == BOM + b";" * 46 + expected


def test_csv_rejects_a_row_of_the_wrong_width_or_type():
    with pytest.raises(ValueError):
        sifa.to_csv([["a"] * 46])
    with pytest.raises(TypeError):
        sifa.to_csv([[True] * 47])


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_reads_back_with_header_and_literal_ine_placeholder():
    rows = [sifa.build_row(GASTON), sifa.build_row(with_(ine=None, adresse_complete="=SOMME(A1)"))]
    content = sifa.to_xlsx(rows)

    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Data"]
    ws = wb["Data"]
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == sifa.COLUMNS
    assert len(values) == 3
    first = dict(zip(sifa.COLUMNS, values[1], strict=True))
    assert first["INE"] == "1234567890A"
    assert first["DUR_FORM_THEO"] == 24
    assert first["DATE_DEB_CONT"] == "02092024"
    assert first["DATE_RUPT_CONT"] is None

    placeholder = ws.cell(row=3, column=1)
    assert placeholder.value == '=""'
    assert placeholder.data_type == "s"
    assert ws.cell(row=3, column=sifa.COLUMNS.index("ADRESSE") + 1).value == "=SOMME(A1)"
    # No formula at all in the sheet XML: text starting with "=" is stored as text.
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml
    assert b"<f " not in sheet_xml


def test_xlsx_drops_characters_excel_cannot_hold():
    content = sifa.to_xlsx([sifa.build_row(with_(adresse_complete="1 rue\x0b du Port"))])
    ws = openpyxl.load_workbook(io.BytesIO(content))["Data"]
    assert ws.cell(row=2, column=sifa.COLUMNS.index("ADRESSE") + 1).value == "1 rue du Port"


# --- Code tables ------------------------------------------------------------------------------

# Accepted server-side set of SIT_N_1 codes (§3.6); six have no label in the learner form.
SIT_N_1_ACCEPTED = {
    1003, 1005, 1009, 1017, 1019, 1021, 1023, 2001, 2003, 2005, 2007, 3001, 3101, 3003, 3103, 3009, 3109,
    3011, 3111, 3031, 3131, 3032, 3132, 3033, 3133, 3117, 3119, 3021, 3121, 3023, 3123, 4001, 4101, 4003,
    4103, 4005, 4105, 4007, 4107, 4009, 4011, 4111, 4013, 4113, 4015, 4115, 4017, 4117, 4019, 4119, 4021,
    4121, 4023, 4123, 4025, 4125, 4027, 4127, 5901, 5903, 5905, 5907, 5909, 9900, 9999,
}  # fmt: skip


@pytest.mark.parametrize(
    ("table", "count"),
    [
        (sifa.NATIO, 3),
        (sifa.REGIME_SCO, 4),
        (sifa.TYPE_CFA, 10),
        (sifa.SIT_AV_APP, 11),
        (sifa.DIP_OBT, 16),
        (sifa.PCS, 32),
        (sifa.TYPE_EMP, 16),
        (sifa.SIT_N_1, 59),
    ],
)
def test_code_tables_have_the_expected_number_of_labels(table, count):
    assert len(table) == count
    assert all(isinstance(label, str) and label for label in table.values())


def test_code_tables_map_codes_to_french_labels():
    assert sifa.NATIO == {1: "Française", 2: "Union Européenne", 3: "Etranger hors Union Européenne"}
    assert sifa.REGIME_SCO == {"I": "Interne", "D": "Demi-pensionnaire", "E": "Externe", "IE": "Interne externé"}
    assert list(sifa.TYPE_CFA) == [f"{n:02d}" for n in range(1, 11)]
    assert sifa.TYPE_CFA["08"] == "CFA d’entreprise"
    assert sifa.SIT_AV_APP[54] == "Demandeur d’emploi, chômage"
    assert sifa.SIT_AV_APP[99] == "INCONNUE"
    assert list(sifa.DIP_OBT) == [*range(1, 16), 99]
    assert sifa.DIP_OBT[15] == "BUT Bachelor Universitaire de Technologie"
    assert sifa.PCS[35] == "Profession de l’information, des arts et du spectacle"
    assert sifa.PCS[99] == "Non renseigné (inconnu ou sans objet)"
    assert sifa.TYPE_EMP[30] == "Etablissement public industriel et commercial"
    assert sifa.SIT_N_1[3101] == "1A CAP 2 ans APPRENTI"
    assert sifa.SIT_N_1[3001] == "1A CAP 2 ans SCOLAIRE"
    assert sifa.SIT_N_1[3117] == "1A de Brevet Professionnel (BP)"
    assert sifa.SIT_N_1[4119] == (
        "Autre diplôme du supérieur ou certification (Bac +3 ou 4) niveau 6 (ex niveau 2) APPRENTI"
    )
    assert sifa.SIT_N_1[9999] == "Inconnu"


def test_grouped_tables_match_their_flat_versions():
    assert {group: len(codes) for group, codes in sifa.TYPE_EMP_GROUPS.items()} == {"Privé": 6, "Public": 10}
    assert [len(codes) for codes in sifa.SIT_N_1_GROUPS.values()] == [7, 4, 20, 21, 7]
    assert list(sifa.SIT_N_1_GROUPS) == [
        "1er cycle second degré",
        "2nd cycle : enseignement général et technologique",
        "2nd cycle : enseignement professionnel",
        "Enseignement supérieur",
        "Autres",
    ]
    assert set(sifa.SIT_N_1) <= SIT_N_1_ACCEPTED
    assert SIT_N_1_ACCEPTED - set(sifa.SIT_N_1) == {4023, 4123, 4025, 4125, 4027, 4127}


# --- Transliteration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ÀÁÂÃÄÅÆ", "AAAAAAA"),
        ("àáâãäåæ", "aaaaaaa"),
        ("ÈÉÊË", "EEEE"),
        ("èéêë", "eeee"),
        ("ÌÍÎÏ", "IIII"),
        ("ìíîï", "iiii"),
        ("ÒÓÔÕÖØ", "OOOOOO"),
        ("òóôõöø", "oooooo"),
        ("ÙÚÛÜ", "UUUU"),
        ("ùúûü", "uuuu"),
        ("Ññ", "Nn"),
        ("Çç", "Cc"),
        ("Jean-Pierre", "Jean Pierre"),
        ("Marie--Ève", "Marie  Eve"),
        ("D'Artagnan", "DArtagnan"),
        ("N’Diaye", "NDiaye"),
        ("O'Neil (dit « Jo »)", "ONeil dit  Jo "),
        ("Zoé 2", "Zoe 2"),
        ("e\u0301lodie", "elodie"),  # decomposed accent: the combining mark is dropped
        ("×÷", ""),  # not letters, although the reference ranges swallowed them
        ("Cœur Ÿvan", "Coeur Yvan"),
        ("!!!", ""),
        ("", None),
        (None, None),
    ],
)
def test_clean_name(raw, expected):
    assert sifa.clean_name(raw) == expected


def test_names_are_truncated_to_100_after_cleaning():
    row = row_of(with_(nom="É-" * 60, prenom="a" * 150))
    assert row["NOM"] == "E " * 50
    assert row["PRENOM1"] == "a" * 100


def test_adresse_is_truncated_to_200():
    assert row_of(with_(adresse_complete="x" * 250))["ADRESSE"] == "x" * 200


# --- Inclusion rule (31 December) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "snapshot"),
    [
        (date(2025, 1, 1), date(2024, 12, 31)),
        (date(2025, 1, 15), date(2024, 12, 31)),
        (date(2025, 7, 31), date(2024, 12, 31)),
        (date(2025, 8, 1), date(2025, 12, 31)),
        (date(2025, 12, 31), date(2025, 12, 31)),
        (date(2026, 1, 6), date(2025, 12, 31)),
    ],
)
def test_snapshot_date(today, snapshot):
    assert sifa.sifa_snapshot_date(today) == snapshot


def test_annees_scolaires_sifa():
    assert sifa.annees_scolaires_sifa(date(2024, 12, 31)) == ("2024-2024", "2024-2025")


S = sifa


@pytest.mark.parametrize(
    ("parcours", "eligible"),
    [
        ([(date(2024, 9, 1), S.APPRENTI)], True),
        ([(date(2024, 9, 1), S.APPRENTI), (date(2024, 11, 1), S.RUPTURANT)], True),
        ([(date(2024, 9, 1), S.INSCRIT)], False),
        ([(date(2024, 9, 1), S.APPRENTI), (date(2024, 12, 1), S.ABANDON)], False),
        ([(date(2024, 9, 1), S.APPRENTI), (date(2024, 12, 1), S.FIN_DE_FORMATION)], False),
        # A change on 31/12 itself counts…
        ([(date(2024, 9, 1), S.INSCRIT), (date(2024, 12, 31), S.APPRENTI)], True),
        ([(date(2024, 9, 1), S.APPRENTI), (date(2024, 12, 31), S.ABANDON)], False),
        # …a change on 01/01 does not.
        ([(date(2024, 9, 1), S.APPRENTI), (date(2025, 1, 1), S.ABANDON)], True),
        ([(date(2024, 9, 1), S.INSCRIT), (date(2025, 1, 1), S.APPRENTI)], False),
        ([(date(2025, 1, 1), S.APPRENTI)], False),  # starts after the snapshot
        ([], False),  # no parcours
        # Ties: the later entry wins.
        ([(date(2024, 12, 1), S.INSCRIT), (date(2024, 12, 1), S.APPRENTI)], True),
        ([(date(2024, 12, 1), S.APPRENTI), (date(2024, 12, 1), S.INSCRIT)], False),
        # Not sorted: the greatest date ≤ snapshot still decides.
        ([(date(2024, 12, 1), S.ABANDON), (date(2024, 9, 1), S.APPRENTI)], False),
    ],
)
def test_is_eligible(parcours, eligible):
    assert sifa.is_eligible(with_(parcours=tuple(parcours)), SNAPSHOT) is eligible


def test_build_rows_keeps_only_eligible_effectifs():
    inscrit = with_(nom="INSCRIT", parcours=((date(2024, 9, 1), S.INSCRIT),))
    rows = sifa.build_rows([GASTON, inscrit, with_(nom="SANS", parcours=())], snapshot=SNAPSHOT)
    assert [r[sifa.COLUMNS.index("NOM")] for r in rows] == ["DUPUIS"]


# --- Missing fields ---------------------------------------------------------------------------


def test_complete_learner_has_no_missing_field():
    assert sifa.missing_fields(GASTON) == []


def test_empty_learner_misses_every_required_field_in_order():
    assert sifa.missing_fields(SifaEffectif()) == [
        "apprenant.nom",
        "apprenant.prenom",
        "apprenant.date_de_naissance",
        "apprenant.adresse_naissance.code_postal",
        "apprenant.sexe",
        "apprenant.derniere_situation",
        "apprenant.dernier_organisme_uai",
        "apprenant.type_cfa",
        "formation.duree_formation_relle",
        "formation.duree_theorique_mois",
        "apprenant.adresse.voie",
        "apprenant.adresse.code_postal",
        "apprenant.adresse.commune",
    ]
    assert set(sifa.MISSING_FIELD_LABELS) == set(sifa.missing_fields(SifaEffectif()))
    assert sifa.MISSING_FIELD_LABELS["apprenant.sexe"] == "Sexe"


def test_address_parts_are_only_required_without_a_complete_address():
    no_parts = with_(adresse_voie=None, adresse_code_postal=None, adresse_commune=None)
    assert sifa.missing_fields(no_parts) == []
    assert sifa.missing_fields(dataclasses.replace(no_parts, adresse_complete="")) == [
        "apprenant.adresse.voie",
        "apprenant.adresse.code_postal",
        "apprenant.adresse.commune",
    ]
    only_voie = dataclasses.replace(no_parts, adresse_complete=None, adresse_voie="rue X")
    assert sifa.missing_fields(only_voie) == ["apprenant.adresse.code_postal", "apprenant.adresse.commune"]


def test_numeric_zero_and_blank_text_count_as_missing():
    e = with_(duree_formation_relle=0, duree_theorique_mois=0, derniere_situation=0, nom="  ", type_cfa="")
    assert sifa.missing_fields(e) == [
        "apprenant.nom",
        "apprenant.derniere_situation",
        "apprenant.type_cfa",
        "formation.duree_formation_relle",
        "formation.duree_theorique_mois",
    ]


def test_birth_place_is_missing_when_the_exported_insee_code_is():
    assert sifa.missing_fields(with_(naissance_code_insee=None)) == ["apprenant.adresse_naissance.code_postal"]
    assert sifa.missing_fields(with_(naissance_code_postal=None)) == []


# --- Column rules -----------------------------------------------------------------------------


def test_ine_placeholder_when_empty():
    assert row_of(with_(ine=None))["INE"] == '=""'
    assert row_of(with_(ine=""))["INE"] == '=""'


def test_uai_of_responsable_and_formateur_else_organisme():
    assert (row_of(GASTON)["NUMERO_UAI"], row_of(GASTON)["SIT_FORM"]) == ("0123456A", "0123456B")
    legacy = row_of(with_(uai_responsable=None, uai_formateur=None))
    assert (legacy["NUMERO_UAI"], legacy["SIT_FORM"]) == ("0123456Z", "")


def test_constants_and_always_empty_columns():
    row = row_of(SifaEffectif())
    assert (row["UAI_EPLE"], row["NAT_STR_JUR"], row["STATUT"]) == ("NC", "NC", "APP")
    for column in ("NOM2", "PRENOM2", "PRENOM3", "TEL_RESP2_PERSO", "TEL_RESP2_PRO", "MAIL_RESP2", "DATE_ENTREE_CFA"):
        assert row[column] == ""


def test_rncp_only_without_cfd():
    assert row_of(GASTON)["RNCP"] == ""
    without_cfd = row_of(with_(cfd=None))
    assert (without_cfd["DIPLOME"], without_cfd["RNCP"]) == (None, "RNCP34670")
    assert row_of(with_(cfd=None, rncp=None))["RNCP"] is None


def test_formation_year_and_durations():
    assert row_of(with_(annee=1))["AN_FORM"] == "1A"
    assert row_of(with_(annee=0))["AN_FORM"] == "0A"
    assert row_of(with_(annee=None))["AN_FORM"] is None
    assert row_of(with_(duree_theorique_mois=0))["DUR_FORM_THEO"] is None


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"adresse_numero": 12, "adresse_repetition_voie": "B", "adresse_voie": "rue du Port"}, "12 B rue du Port"),
        ({"adresse_numero": 12, "adresse_voie": "rue du Port"}, "12  rue du Port"),
        ({"adresse_voie": "rue du Port"}, "  rue du Port"),
        ({"adresse_code_postal": "44000"}, ""),
        ({}, ""),
    ],
)
def test_adresse_fallback_when_no_complete_address(parts, expected):
    e = SifaEffectif(**parts)
    assert row_of(e)["ADRESSE"] == expected


def test_phones_replace_plus_33():
    row = row_of(with_(telephone="+33 6 12 34 56 78", representant_legal_telephone=None))
    assert row["TEL_JEUNE"] == "0 6 12 34 56 78"
    assert row["TEL_RESP1_PERSO"] is None
    assert row_of(with_(telephone="0612345678"))["TEL_JEUNE"] == "0612345678"
    assert row_of(GASTON)["TEL_RESP1_PRO"] == ""  # decision: not a copy of TEL_RESP1_PERSO


@pytest.mark.parametrize(("sexe", "code"), [("M", "1"), ("F", "2"), ("m", "1"), (None, None), ("", None)])
def test_sexe(sexe, code):
    assert row_of(with_(sexe=sexe))["SEXE"] == code


@pytest.mark.parametrize(("rqth", "handi"), [(True, "1"), (False, "0"), (None, "0")])
def test_handi(rqth, handi):
    assert row_of(with_(rqth=rqth))["HANDI"] == handi


@pytest.mark.parametrize(("diplome", "code"), [(4, "04"), (12, "12"), (99, "99"), (None, ""), (0, "")])
def test_dip_obt_is_padded(diplome, code):
    assert row_of(with_(dernier_diplome=diplome))["DIP_OBT"] == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0441234X", "0441234X"),
        ("75", "075"),
        ("075", "075"),
        ("2A", "02A"),
        ("971", "971"),
        ("1", "001"),
        (None, None),
    ],
)
def test_etab_n_1_uai_or_departement(value, code):
    assert row_of(with_(dernier_organisme_uai=value))["ETAB_N_1"] == code


def test_dates_are_ddmmyyyy_in_paris_time():
    row = row_of(with_(contrat_date_rupture=date(2024, 11, 30), date_de_naissance=date(987, 3, 4)))
    assert row["DATE_RUPT_CONT"] == "30112024"
    assert row["DATE_NAIS"] == "04030987"
    # An aware datetime at 23:30 UTC is already the next day in Paris.
    late = datetime(2005, 1, 31, 23, 30, tzinfo=UTC)
    assert row_of(with_(date_de_naissance=late))["DATE_NAIS"] == "01022005"


def test_birth_place_is_the_insee_code():
    assert row_of(with_(naissance_code_insee="2A004", naissance_code_postal="20000"))["LIEU_NAIS"] == "2A004"


# --- File name --------------------------------------------------------------------------------


def test_file_name_is_safe_for_content_disposition():
    today = date(2025, 1, 10)
    assert sifa.file_name("CFA du Bâtiment / Nantes", today, "csv") == (
        "tdb-donnees-sifa-CFA-du-Batiment-Nantes-2025-01-10.csv"
    )
    assert sifa.file_name('L\'école "B";x', today, "xlsx") == "tdb-donnees-sifa-L-ecole-B-x-2025-01-10.xlsx"
    assert sifa.file_name(None, today, "csv") == "tdb-donnees-sifa-Organisme-inconnu-2025-01-10.csv"
    assert sifa.file_name("???", today, "csv") == "tdb-donnees-sifa-Organisme-inconnu-2025-01-10.csv"
    assert len(sifa.file_name("x" * 300, today, "csv")) < 120
    with pytest.raises(ValueError):
        sifa.file_name("CFA", today, "pdf")
