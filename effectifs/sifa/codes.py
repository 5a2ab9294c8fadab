"""SIFA code tables: labels as in the learner form, codes exported as is (nationality, regime, type of CFA,
previous situation and diploma, PCS, employer type, N-1 situation).
"""

from __future__ import annotations

# --- Code tables (labels as in the learner form; codes are exported as is) ---------------------

NATIO: dict[int, str] = {1: "Française", 2: "Union Européenne", 3: "Etranger hors Union Européenne"}

REGIME_SCO: dict[str, str] = {"I": "Interne", "D": "Demi-pensionnaire", "E": "Externe", "IE": "Interne externé"}

TYPE_CFA: dict[str, str] = {
    "01": "CFA public (éducation nationale)",
    "02": "CFA public (enseignement supérieur)",
    "03": "CFA public agricole",
    "04": "CFA de collectivité territoriale",
    "05": "Autre CFA public",
    "06": "CFA consulaire",
    "07": "CFA de branche",
    "08": "CFA d’entreprise",
    "09": "CFA associatif",
    "10": "Autre CFA privé",
}

SIT_AV_APP: dict[int, str] = {
    11: "Scolarité type collège (y. c. SEGPA, DIMA, CPA, CLIPA,MFR,...)",
    12: "Autres instituts médico-éducatifs et pédagogiques (IME, IMP)",
    21: "Second cycle général et technologique",
    31: "Second cycle professionnel (lycée professionnel, MFR, ...)",
    41: "Enseignement supérieur (y. c. CPGE)",
    51: "Contrat de professionnalisation",
    52: "Stagiaire",
    53: "En emploi",
    54: "Demandeur d’emploi, chômage",
    90: "Autre situation",
    99: "INCONNUE",
}

DIP_OBT: dict[int, str] = {
    1: "Aucun diplôme",
    2: "Certificat de formation générale (obtenu après une 3ème d’insertion ou une SEGPA)",
    3: "Brevet des collèges",
    4: "CAP / CAPA",
    5: "BEP / BEPA",
    6: "Autre diplôme de niveau 3 (ex niveau V)",
    7: "Bac général ou technologique",
    8: "Bac professionnel / Bac professionnel agricole",
    9: "Brevet professionnel / BPA / Brevet de maîtrise",
    10: "Autre diplôme de niveau 4 (niveau Bac) (ex niveau IV)",
    11: "BTS / BTSA",
    12: "DUT",
    13: "Autre diplôme de niveau 5 (bac + 2) (ex niveau III)",
    14: "Diplôme de niveaux 6, 7 et 8 (bac + 3 ou plus) (ex niveaux II ou I)",
    15: "BUT Bachelor Universitaire de Technologie",
    99: "Inconnu",
}

# The reference server's allowed list omits 35 although the form offers it; we accept it.
PCS: dict[int, str] = {
    10: "Agriculteur exploitant",
    21: "Artisan",
    22: "Commerçant et assimilé",
    23: "Chef d'entreprise de 10 salariés ou plus",
    31: "Profession libérale",
    33: "Cadre de la fonction publique",
    34: "Professeur et assimilé",
    35: "Profession de l’information, des arts et du spectacle",
    37: "Cadre administratif et commercial d'entreprise",
    38: "Ingénieur - cadre technicien d'entreprise",
    42: "Instituteur et assimilé",
    43: "Profession intermédiaire de la santé ou du travail social",
    44: "Clergé, religieux",
    45: "Profession intermédiaire administratif Fonction Publique",
    46: "Profession intermédiaire adm – commerciale d’entr.",
    47: "Technicien",
    48: "Contremaître agent de maîtrise",
    52: "Employé civil - agent service fonction publique",
    53: "Policier et militaire",
    54: "Employé administratif d'entreprise",
    55: "Employé de commerce",
    56: "Personnel, service direct aux particuliers",
    61: "Ouvrier qualifié",
    66: "Ouvrier non qualifié",
    69: "Ouvrier agricole",
    71: "Retraité agriculteur exploitant",
    72: "Retraité artisan commerçant chef d'entreprise.",
    73: "Retraité cadre profession intermédiaire",
    76: "Retraité employé et ouvrier",
    81: "Chômeur n'ayant jamais travaillé",
    82: "Personne sans activité professionnelle",
    99: "Non renseigné (inconnu ou sans objet)",
}

# Grouped tables ({group: {code: label}}) feed grouped selects; the flat ones are for look-ups.
TYPE_EMP_GROUPS: dict[str, dict[int, str]] = {
    "Privé": {
        11: "Entreprise inscrite au répertoire des métiers ou au registre des entreprises pour l'Alsace-Moselle",
        12: "Entreprise inscrite uniquement au registre du commerce et des sociétés",
        13: "Entreprise dont les salariés relèvent de la mutualité sociale agricole",
        14: "Profession libérale",
        15: "Association",
        16: "Autre employeur privé",
    },
    "Public": {
        21: "Service de l'État (administrations centrales et leurs services déconcentrés de la fonction "
        "publique d'État)",
        22: "Commune",
        23: "Département",
        24: "Région",
        25: "Etablissement public hospitalier",
        26: "Etablissement public local d'enseignement",
        27: "Etablissement public administratif de l'État",
        28: "Etablissement public administratif local (y compris établissement public de coopération "
        "intercommunale EPCI)",
        29: "Autre employeur public",
        30: "Etablissement public industriel et commercial",
    },
}
TYPE_EMP: dict[int, str] = {code: label for group in TYPE_EMP_GROUPS.values() for code, label in group.items()}


def _scolaire_apprenti(scolaire: int, apprenti: int, label: str) -> dict[int, str]:
    # The DEPP pairs most N-1 classes: same class as a pupil (SCOLAIRE) and as an apprentice (APPRENTI).
    return {scolaire: f"{label} SCOLAIRE", apprenti: f"{label} APPRENTI"}


_SUP = "Autre diplôme du supérieur ou certification"
SIT_N_1_GROUPS: dict[str, dict[int, str]] = {
    "1er cycle second degré": {
        1003: "6ème (y compris SEGPA)",
        1005: "5ème (y compris SEGPA)",
        1009: "Instituts médico-éducatifs et pédagogiques (IME, IMP)",
        1017: "4ème générale",
        1019: "Autres 4ème (agricole, SEGPA...)",
        1021: "3ème générale",
        1023: "Autres 3ème (agricole, insertion, projet professionnel,SGEPA..)",
    },
    "2nd cycle : enseignement général et technologique": {
        2001: "2nde générale ou technologique (y compris agricole et BT)",
        2003: "1ère générale ou technologique (y compris agricole, d'adaptation et BT)",
        2005: "Terminale générale",
        2007: "Terminale technologique (y compris agricole et BT)",
    },
    "2nd cycle : enseignement professionnel": {
        **_scolaire_apprenti(3001, 3101, "1A CAP 2 ans"),
        **_scolaire_apprenti(3003, 3103, "Année terminale de CAP"),
        **_scolaire_apprenti(3009, 3109, "Mention complémentaire de niveau 3 (ex niveau V)"),
        **_scolaire_apprenti(3011, 3111, "Autre diplôme et certification de niveau 3 (ex niveau V)"),
        **_scolaire_apprenti(3031, 3131, "1A BAC PRO 3 ans (2nde professionnelle)"),
        **_scolaire_apprenti(3032, 3132, "2A BAC PRO 3 ans (1ère professionnelle)"),
        **_scolaire_apprenti(3033, 3133, "BAC PRO 3 ans (Terminale professionnelle)"),
        3117: "1A de Brevet Professionnel (BP)",
        3119: "Année terminale de Brevet Professionnel",
        **_scolaire_apprenti(3021, 3121, "Mention complémentaire de niveau 4 (ex niveau IV)"),
        **_scolaire_apprenti(
            3023, 3123, "Autre diplôme et certification de niveau 4 (y compris BP JEPS) (ex niveau IV)"
        ),
    },
    "Enseignement supérieur": {
        **_scolaire_apprenti(4001, 4101, "1A de BTS"),
        **_scolaire_apprenti(4003, 4103, "Année terminale de BTS"),
        **_scolaire_apprenti(4005, 4105, "1A de DUT"),
        **_scolaire_apprenti(4007, 4107, "Année terminale de DUT"),
        4009: "Classe Préparatoire aux Grandes Ecoles (CPGE)",
        **_scolaire_apprenti(4011, 4111, "Cursus Licence (licence LMD, licence pro, ...)"),
        **_scolaire_apprenti(4013, 4113, "Cursus Master (master LMD, master pro)"),
        **_scolaire_apprenti(4015, 4115, "Diplôme d'ingénieur ou d'école de commerce de niveaux 7 et 8 (ex niveau 1)"),
        **_scolaire_apprenti(4017, 4117, f"{_SUP} (Bac +1 ou 2) niveau 5 (ex niveau 3)"),
        **_scolaire_apprenti(4019, 4119, f"{_SUP} (Bac +3 ou 4) niveau 6 (ex niveau 2)"),
        **_scolaire_apprenti(4021, 4121, f"{_SUP} (Bac +5 ou plus) niveaux 7 et 8 (ex niveau 1)"),
    },
    "Autres": {
        5901: "Contrat de professionnalisation",
        5903: "Emploi",
        5905: "Stage",
        5907: "Sans emploi",
        5909: "Formation continue (tous niveaux de formation)",
        9900: "Autre",
        9999: "Inconnu",
    },
}
SIT_N_1: dict[int, str] = {code: label for group in SIT_N_1_GROUPS.values() for code, label in group.items()}
