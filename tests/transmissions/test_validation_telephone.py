"""transmissions.validation: tel_apprenant (spec api-v3.md §2.3 "Telephone").

The reference uses libphonenumber-js 1.12.36 with its "max" metadata; TDBA uses phonenumbers, the Python port of the
same library. Every case below gives the same result with both, except where a comment says otherwise.
"""

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transmissions.validation import _check_tel, validate_dossier

MINIMAL = {
    "nom_apprenant": "Lefebvre",
    "prenom_apprenant": "Camille",
    "date_de_naissance_apprenant": "2007-05-21",
    "annee_scolaire": "2025-2026",
    "id_erp_apprenant": "GESTI-2025-00042",
    "date_inscription_formation": "2025-06-20",
    "date_entree_formation": "2025-09-08",
    "date_fin_formation": "2027-07-02",
    "etablissement_responsable_uai": "0755805C",
    "etablissement_responsable_siret": "77568013501139",
    "etablissement_formateur_uai": "0802004U",
    "etablissement_formateur_siret": "77937827200016",
}
FORMAT = ("Format invalide", "telephone_format_invalide")
INVALIDE = ("Numéro de téléphone invalide", "telephone_invalide")
SPECIAL = ("Numéro de téléphone est un numéro spécial", "telephone_special")


def check(value):
    return validate_dossier({**MINIMAL, "tel_apprenant": value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # French numbers become "0" + national number.
        ("0612345678", "0612345678"),
        ("06 12 34 56 78", "0612345678"),
        ("06-12-34-56-78", "0612345678"),
        ("06.12.34.56.78", "0612345678"),
        ("(06) 12 34 56 78", "0612345678"),
        ("+33612345678", "0612345678"),
        ("0033612345678", "0612345678"),
        ("612345678", "0612345678"),
        ("+33 (0)6 12 34 56 78", "0612345678"),
        ("06/12/34/56/78", "0612345678"),
        ("\u00a006 12 34 56 78\t", "0612345678"),
        (612345678, "0612345678"),
        (33612345678, "0612345678"),
        ("0612345678x12", "0612345678"),  # an extension is dropped
        ("0800123456", "0800123456"),  # toll free is not "special" (spec: observed OK)
        ("0912345678", "0912345678"),
        ("0112345678", "0112345678"),
        ("0739123456", "0739123456"),
        # The region follows the leading digits: overseas numbers become E.164.
        ("0690123456", "+590690123456"),
        ("+590690123456", "+590690123456"),
        ("0594123456", "+594594123456"),
        ("0694123456", "+594694123456"),
        ("0696123456", "+596696123456"),
        ("0262123456", "+262262123456"),
        ("0692123456", "+262692123456"),
        ("0693123456", "+262693123456"),
        ("0269601234", "+262269601234"),
        # Other countries keep E.164.
        ("+442071838750", "+442071838750"),
        ("+44 20 7183 8750", "+442071838750"),
    ],
)
def test_accepted(value, expected):
    result = check(value)

    assert result.errors == []
    assert result.normalized["tel_apprenant"] == expected
    assert result.stored["tel_apprenant"] == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # The spec's observations with libphonenumber-js 1.12.36; phonenumbers agrees.
        ("0712345678", INVALIDE),
        ("0812345678", SPECIAL),
        ("0612", FORMAT),
        ("0899123456", SPECIAL),  # premium rate
        ("0836123456", SPECIAL),
        ("0884012345", SPECIAL),  # shared cost
        ("0596123456", INVALIDE),  # read as Martinique, where it is not allocated
        ("06123456789", FORMAT),
        ("+3306123456", FORMAT),
        # The reference parses the whole string (`extract: false`): no number is picked out of text.
        ("abc0612345678", FORMAT),
        ("0612345678abc", FORMAT),
        ("06*12*34*56*78", FORMAT),
        ("tel. 0612345678", FORMAT),
        # Only "" means no number; anything else is parsed.
        (" ", FORMAT),
        ("0", FORMAT),
        (0, FORMAT),
        (False, FORMAT),
        (True, FORMAT),
        ("+", FORMAT),
        ("0" * 300, FORMAT),
        ([], None),
    ],
)
def test_rejected(value, expected):
    result = check(value)

    if expected is None:  # String([]) is "": no number
        assert result.is_valid
        assert result.normalized["tel_apprenant"] is None
        return
    assert [(e["message"], e["code"]) for e in result.errors] == [expected]
    assert result.errors[0]["path"] == ["tel_apprenant"]
    assert "tel_apprenant" not in result.normalized


def test_empty_string_means_no_number():
    result = check("")

    assert result.is_valid
    assert result.normalized["tel_apprenant"] is None
    assert result.stored["tel_apprenant"] == ""


def test_null_is_stripped():
    result = check(None)

    assert result.is_valid
    assert "tel_apprenant" not in result.normalized
    assert "tel_apprenant" not in result.stored


def test_metadata_difference_with_the_reference():
    # phonenumbers' metadata knows premium-rate ranges in Guadeloupe that libphonenumber-js 1.12.36 does not: the
    # reference says "Numéro de téléphone invalide" here. Both reject the number.
    assert [e["code"] for e in check("+590892706700").errors] == ["telephone_special"]


def _slow_path(text: str):
    """What _check_tel does without its fast path for French numbers: phonenumbers' public API only."""
    number = phonenumbers.parse(text, "FR")
    if not phonenumbers.is_possible_number(number):
        return "Format invalide"
    if not phonenumbers.is_valid_number(number):
        return "Numéro de téléphone invalide"
    if phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.PAGER,
        phonenumbers.PhoneNumberType.VOICEMAIL,
    ):
        return "Numéro de téléphone est un numéro spécial"
    assert phonenumbers.region_code_for_number(number) == "FR"
    return f"0{number.national_number}"


# National numbers that stay in region FR (the overseas prefixes pick another default region).
french_numbers = st.from_regex(r"[1-9][0-9]{8}", fullmatch=True).filter(
    lambda digits: digits[:3] not in {"690", "590", "694", "594", "696", "596", "692", "693", "262", "269"}
)


@settings(max_examples=2000, deadline=None)
@given(french_numbers, st.sampled_from(["0", "+33", "0033"]))
def test_fast_path_agrees_with_phonenumbers(national, prefix):
    result = _check_tel(prefix + national)

    expected = _slow_path(prefix + national)
    assert (result if isinstance(result, str) else result.issues[0][0]) == expected


@pytest.mark.parametrize("first_digits", [f"{n:02d}" for n in range(10, 100)])
def test_fast_path_agrees_with_phonenumbers_for_every_leading_pair(first_digits):
    for tail in ("0000000", "1234567", "5555555", "9999999", "3010203"):
        national = first_digits + tail
        if national[:3] in {"690", "590", "694", "594", "696", "596", "692", "693", "262", "269"}:
            continue
        result = _check_tel("0" + national)
        assert (result if isinstance(result, str) else result.issues[0][0]) == _slow_path("0" + national)
