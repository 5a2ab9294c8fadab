"""Row building (spec pages-import-sifa.md §3.6): the 47 values of one SIFA line from a :class:`SifaEffectif`.

Names cleaned and transliterated, dates as DDMMYYYY in Paris time, phones and the N-1 establishment normalised; the
reference's quirks kept or fixed are written next to each column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from effectifs.sifa.columns import INE_PLACEHOLDER, PARIS, SifaEffectif, Value
from effectifs.sifa.rules import is_eligible

# --- Row building (§3.6) ----------------------------------------------------------------------


def _translit_table() -> dict[int, str]:
    table: dict[int, str] = {}
    ranges = [
        ("A", 0xC0, 0xC6), ("a", 0xE0, 0xE6), ("E", 0xC8, 0xCB), ("e", 0xE8, 0xEB),
        ("I", 0xCC, 0xCF), ("i", 0xEC, 0xEF), ("O", 0xD2, 0xD8), ("o", 0xF2, 0xF8),
        ("U", 0xD9, 0xDC), ("u", 0xF9, 0xFC), ("N", 0xD1, 0xD1), ("n", 0xF1, 0xF1),
        ("C", 0xC7, 0xC7), ("c", 0xE7, 0xE7),
    ]  # fmt: skip
    for letter, first, last in ranges:
        table.update(dict.fromkeys(range(first, last + 1), letter))
    # The reference ranges Ò–Ø / ò–ø also swallow × and ÷ (which became "O"/"o"): they are not letters,
    # so they are dropped like any other symbol. The French letters the reference forgot (Œ, Ÿ) are
    # transliterated instead of silently disappearing from the name ("Cœur" gave "Cur").
    del table[0xD7], table[0xF7]
    table.update({ord("Œ"): "OE", ord("œ"): "oe", ord("Ÿ"): "Y", ord("ÿ"): "y"})
    return table


_TRANSLIT = _translit_table()
_NOT_ALNUM_OR_SPACE = re.compile(r"[^0-9a-zA-Z ]")


def clean_name(value: str | None, max_length: int = 100) -> str | None:
    """NOM/PRENOM1 cleaning: accents transliterated, hyphens → spaces, other symbols dropped, truncated."""
    if not value:
        return None
    text = value.translate(_TRANSLIT).replace("-", " ")
    return _NOT_ALNUM_OR_SPACE.sub("", text)[:max_length]


def _present(value: object) -> bool:
    return value is not None and value != ""


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _adresse(e: SifaEffectif) -> str:
    if _present(e.adresse_complete):
        adresse = str(e.adresse_complete)
    elif any(_present(p) for p in (e.adresse_numero, e.adresse_repetition_voie, e.adresse_voie)):
        # Missing parts stay as empty strings between single spaces, as in the reference.
        adresse = f"{_text(e.adresse_numero)} {_text(e.adresse_repetition_voie)} {_text(e.adresse_voie)}"
    else:
        # The reference wrote "  " for an address holding only a postal code; nothing is clearer.
        return ""
    return adresse[:200]


def _phone(value: str | None) -> str | None:
    # Only the first "+33" is replaced, like the reference's String.replace.
    return value.replace("+33", "0", 1) if value else None


def _ddmmyyyy(value: date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(PARIS)
    return f"{value.day:02d}{value.month:02d}{value.year:04d}"


def _etab_n_1(uai: str | None) -> str | None:
    if not uai:
        return None
    # 8 characters = a UAI; anything shorter is a département, left-padded ("75" → "075", "2A" → "02A").
    return uai if len(uai) == 8 else uai.rjust(3, "0")


def _sexe(sexe: str | None) -> str | None:
    # Quirk not kept: the reference wrote "2" (female) for an unknown sex. SEXE is mandatory and already
    # reported as missing; leaving it empty lets the DEPP portal reject the row instead of silently
    # counting the learner as a woman in national statistics.
    code = (sexe or "").strip().upper()
    return {"M": "1", "F": "2"}.get(code)


def build_row(e: SifaEffectif) -> list[Value]:
    """The 47 values of one SIFA line, in `COLUMNS` order (str quoted, int bare, None empty in the CSV)."""
    return [
        e.ine if _present(e.ine) else INE_PLACEHOLDER,  # INE
        e.uai_responsable or e.uai_organisme,  # NUMERO_UAI
        e.type_cfa or None,  # TYPE_CFA
        e.uai_formateur or "",  # SIT_FORM
        "NC",  # UAI_EPLE: cannot be determined, agreed with the DEPP
        "NC",  # NAT_STR_JUR
        "APP",  # STATUT
        e.cfd or None,  # DIPLOME
        # The DEPP accepts one kind of code per file: the RNCP is only given when there is no CFD.
        (e.rncp or None) if not e.cfd else "",  # RNCP
        e.duree_theorique_mois or None,  # DUR_FORM_THEO (0 = unknown, as in the reference)
        e.duree_formation_relle,  # DUR_FORM_REELLE
        None if e.annee is None else f"{e.annee}A",  # AN_FORM
        clean_name(e.nom),  # NOM
        "",  # NOM2
        clean_name(e.prenom),  # PRENOM1
        "",  # PRENOM2
        "",  # PRENOM3
        _adresse(e),  # ADRESSE
        e.adresse_code_postal or None,  # COD_POST
        e.adresse_code_insee or None,  # COM_RESID
        _phone(e.telephone),  # TEL_JEUNE
        _phone(e.representant_legal_telephone),  # TEL_RESP1_PERSO
        # Quirk not kept: the reference copied the personal phone here; we do not know a work number,
        # so the optional column stays empty rather than declaring the same number twice.
        "",  # TEL_RESP1_PRO
        "",  # TEL_RESP2_PERSO
        "",  # TEL_RESP2_PRO
        e.courriel or None,  # MAIL_JEUNE
        e.representant_legal_courriel or None,  # MAIL_RESP1
        "",  # MAIL_RESP2
        _ddmmyyyy(e.date_de_naissance),  # DATE_NAIS
        # Kept: the DEPP wants the INSEE code of the birth commune, not the postal code users enter;
        # ingestion resolves it from the postal code (see missing_fields for the warning).
        e.naissance_code_insee or None,  # LIEU_NAIS
        _sexe(e.sexe),  # SEXE
        e.regime_scolaire or None,  # REGIME_SCO
        e.representant_legal_pcs,  # PCS
        # Kept: HANDI "0" when RQTH is unknown; only a declared RQTH is a "1" for the DEPP.
        "1" if e.rqth else "0",  # HANDI
        e.nationalite,  # NATIO
        e.situation_avant_contrat,  # SIT_AV_APP
        str(e.dernier_diplome).rjust(2, "0") if e.dernier_diplome else "",  # DIP_OBT
        e.derniere_situation,  # SIT_N_1
        _etab_n_1(e.dernier_organisme_uai),  # ETAB_N_1
        e.contrat_type_employeur,  # TYPE_EMP
        "",  # DATE_ENTREE_CFA: not implemented by the reference either
        _ddmmyyyy(e.contrat_date_debut),  # DATE_DEB_CONT
        _ddmmyyyy(e.contrat_date_rupture),  # DATE_RUPT_CONT
        e.contrat_code_postal or None,  # COM_ETAB
        e.contrat_naf or None,  # NAF_ETAB
        e.contrat_nombre_de_salaries,  # NBSAL_EMP
        e.contrat_siret or None,  # SIRET_EMP
    ]


def build_rows(effectifs: Iterable[SifaEffectif], *, snapshot: date) -> list[list[Value]]:
    """Rows of the effectifs eligible at `snapshot`, in the given order."""
    return [build_row(e) for e in effectifs if is_eligible(e, snapshot)]
