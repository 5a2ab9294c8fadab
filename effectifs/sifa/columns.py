"""The 47 columns of the SIFA file and the record they are read from (spec pages-import-sifa.md §3).

:class:`SifaEffectif` is what a selector builds from each effectif, including its status parcours; the status names
and the INE placeholder of the DEPP wire format live here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

# Statuses of the parcours (same strings as `effectifs.statuts`, not imported: pure modules import no app).
INSCRIT = "INSCRIT"
APPRENTI = "APPRENTI"
RUPTURANT = "RUPTURANT"
ABANDON = "ABANDON"
FIN_DE_FORMATION = "FIN_DE_FORMATION"
SIFA_STATUTS = frozenset({APPRENTI, RUPTURANT})

# The INE placeholder keeps the first column non-empty on the DEPP side (reference ticket TM-703).
INE_PLACEHOLDER = '=""'

COLUMNS: tuple[str, ...] = (
    "INE", "NUMERO_UAI", "TYPE_CFA", "SIT_FORM", "UAI_EPLE", "NAT_STR_JUR", "STATUT", "DIPLOME", "RNCP",
    "DUR_FORM_THEO", "DUR_FORM_REELLE", "AN_FORM", "NOM", "NOM2", "PRENOM1", "PRENOM2", "PRENOM3", "ADRESSE",
    "COD_POST", "COM_RESID", "TEL_JEUNE", "TEL_RESP1_PERSO", "TEL_RESP1_PRO", "TEL_RESP2_PERSO", "TEL_RESP2_PRO",
    "MAIL_JEUNE", "MAIL_RESP1", "MAIL_RESP2", "DATE_NAIS", "LIEU_NAIS", "SEXE", "REGIME_SCO", "PCS", "HANDI",
    "NATIO", "SIT_AV_APP", "DIP_OBT", "SIT_N_1", "ETAB_N_1", "TYPE_EMP", "DATE_ENTREE_CFA", "DATE_DEB_CONT",
    "DATE_RUPT_CONT", "COM_ETAB", "NAF_ETAB", "NBSAL_EMP", "SIRET_EMP",
)  # fmt: skip

Value = str | int | float | None


@dataclass(frozen=True, kw_only=True)
class SifaEffectif:
    """What the SIFA file and the missing-field rule read from one effectif (reference paths in comments).

    Strings are given as stored; `None` (or "") means absent. `parcours` is the status parcours:
    change points `(date, statut)`, ascending, as computed by `effectifs.statuts`.
    """

    ine: str | None = None  # apprenant.ine
    uai_organisme: str | None = None  # organisme.uai of the organisme being exported
    # The two UAIs below are filled by the caller only when the effectif carries the three links
    # organisme / responsable / formateur (API v3 and file data); otherwise leave them None.
    uai_responsable: str | None = None  # organismes[organisme_responsable_id].uai
    uai_formateur: str | None = None  # organismes[organisme_formateur_id].uai
    type_cfa: str | None = None  # apprenant.type_cfa ("01"…"10")
    cfd: str | None = None  # formation.cfd (the caller may resolve it from the RNCP through the référentiel)
    rncp: str | None = None  # formation.rncp
    duree_theorique_mois: int | None = None  # formation.duree_theorique_mois
    duree_formation_relle: int | None = None  # formation.duree_formation_relle (sic, reference spelling)
    annee: int | None = None  # formation.annee (year within the formation, 0…5)
    nom: str | None = None  # apprenant.nom
    prenom: str | None = None  # apprenant.prenom
    adresse_complete: str | None = None  # apprenant.adresse.complete
    adresse_numero: int | str | None = None  # apprenant.adresse.numero
    adresse_repetition_voie: str | None = None  # apprenant.adresse.repetition_voie
    adresse_voie: str | None = None  # apprenant.adresse.voie
    adresse_commune: str | None = None  # apprenant.adresse.commune
    adresse_code_postal: str | None = None  # apprenant.adresse.code_postal
    adresse_code_insee: str | None = None  # apprenant.adresse.code_insee
    telephone: str | None = None  # apprenant.telephone
    courriel: str | None = None  # apprenant.courriel
    representant_legal_telephone: str | None = None  # apprenant.representant_legal.telephone
    representant_legal_courriel: str | None = None  # apprenant.representant_legal.courriel
    representant_legal_pcs: int | None = None  # apprenant.representant_legal.pcs
    date_de_naissance: date | None = None  # apprenant.date_de_naissance
    naissance_code_postal: str | None = None  # apprenant.adresse_naissance.code_postal
    naissance_code_insee: str | None = None  # apprenant.adresse_naissance.code_insee
    sexe: str | None = None  # apprenant.sexe ("M" / "F")
    regime_scolaire: str | None = None  # apprenant.regime_scolaire (I, D, E, IE)
    rqth: bool | None = None  # apprenant.rqth
    nationalite: int | None = None  # apprenant.nationalite (1, 2, 3)
    situation_avant_contrat: int | None = None  # apprenant.situation_avant_contrat
    dernier_diplome: int | None = None  # apprenant.dernier_diplome
    derniere_situation: int | None = None  # apprenant.derniere_situation (SIFA N-1 code)
    dernier_organisme_uai: str | None = None  # apprenant.dernier_organisme_uai (UAI or département)
    # Last contract = last element of `contrats` as stored (the reference does not sort by date).
    contrat_type_employeur: int | None = None  # contrats[-1].type_employeur
    contrat_date_debut: date | None = None  # contrats[-1].date_debut
    contrat_date_rupture: date | None = None  # contrats[-1].date_rupture
    contrat_code_postal: str | None = None  # contrats[-1].adresse.code_postal (employer)
    contrat_naf: str | None = None  # contrats[-1].naf
    contrat_nombre_de_salaries: int | None = None  # contrats[-1].nombre_de_salaries
    contrat_siret: str | None = None  # contrats[-1].siret
    parcours: tuple[tuple[date, str], ...] = ()  # _computed.statut.parcours [(date, valeur)]
