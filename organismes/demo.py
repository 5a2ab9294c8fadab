"""Demo data of the ground floor: a deterministic référentiel (a few hundred organismes across several régions)
and one confirmed account per organisation type. The `load_demo` command (in `transmissions`, the top floor,
which adds an exchange key and a sample file) calls these functions.

It always contains the spec's fixture couple (formateur 0802004U / 77937827200016 under responsable
0755805C / 77568013501139) so that every v3 example of api-v3.md can be replayed on a fresh `make run`.
"""

import random
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone
from stdnum import luhn

from organismes.models import (
    Academie,
    AccountStatus,
    Departement,
    OrganisationRole,
    OrganisationType,
    Organisme,
    Region,
    Reseau,
    User,
)
from organismes.services import ImportReport, organisation_get_or_create, referentiel_import

FIXTURE_FORMATEUR = {"uai": "0802004U", "siret": "77937827200016"}
FIXTURE_RESPONSABLE = {"uai": "0755805C", "siret": "77568013501139"}

# (département, commune, code postal) where demo organismes live.
VILLES = (
    ("75", "Paris", "75011"),
    ("92", "Nanterre", "92000"),
    ("93", "Saint-Denis", "93200"),
    ("35", "Rennes", "35000"),
    ("56", "Vannes", "56000"),
    ("29", "Brest", "29200"),
    ("69", "Lyon", "69007"),
    ("38", "Grenoble", "38000"),
    ("01", "Bourg-en-Bresse", "01000"),
    ("59", "Lille", "59000"),
    ("80", "Amiens", "80000"),
    ("13", "Marseille", "13001"),
    ("31", "Toulouse", "31000"),
    ("33", "Bordeaux", "33000"),
    ("974", "Saint-Denis", "97400"),
)
METIERS = (
    "Coiffure",
    "Boulangerie",
    "Bâtiment",
    "Commerce",
    "Hôtellerie",
    "Automobile",
    "Santé",
    "Numérique",
    "Agriculture",
    "Industrie",
    "Transport",
    "Métiers d'art",
)
VOIES = ("rue de la République", "avenue Jean Jaurès", "boulevard Victor Hugo", "rue des Lilas", "place de la Gare")
RESEAUX = ("CCI", "CMA", "MFR", "AGRI", "COMP_DU_DEVOIR", "AFTRAL", "AFPA")
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _make_siren(rng: random.Random) -> str:
    body = f"{rng.randrange(10**7, 10**8):08d}"
    return body + luhn.calc_check_digit(body)


def _make_siret(rng: random.Random, siren: str) -> str:
    body = siren + f"{rng.randrange(1, 9999):04d}"
    return body + luhn.calc_check_digit(body)


def _make_uai(rng: random.Random, departement: str) -> str:
    prefix = departement.zfill(3)[:3] if departement.isdigit() else "0" + departement[:2]
    return f"{prefix}{rng.randrange(0, 9999):04d}{rng.choice(UAI_LETTERS)}"


def demo_referentiel_rows(*, seed: int = 2026) -> list[tuple[int, dict]]:
    """The demo référentiel as raw rows, in the format `import_referentiel` reads (docs/referentiel.md)."""
    rng = random.Random(seed)  # noqa: S311 - deterministic demo data, not security
    rows: list[dict] = []
    used: set[tuple[str, str]] = set()

    def add(row: dict) -> dict:
        key = (row.get("uai", ""), row["siret"])
        if key in used:
            return row
        used.add(key)
        rows.append(row)
        return row

    responsable = add(
        {
            **FIXTURE_RESPONSABLE,
            "raison_sociale": "CFA DES MÉTIERS DE PARIS",
            "nature": "responsable",
            "numero": "12",
            "voie": "rue Saint-Maur",
            "code_postal": "75011",
            "commune": "Paris",
            "reseaux": "CCI",
        }
    )
    add(
        {
            **FIXTURE_FORMATEUR,
            "raison_sociale": "CFA DES MÉTIERS DE L'AIN",
            "nature": "formateur",
            "numero": "3",
            "voie": "avenue Alsace-Lorraine",
            "code_postal": "01000",
            "commune": "Bourg-en-Bresse",
            "responsables": f"{responsable['uai']}/{responsable['siret']}",
        }
    )

    for index in range(60):
        departement, commune, code_postal = VILLES[index % len(VILLES)]
        metier = METIERS[index % len(METIERS)]
        siren = _make_siren(rng)
        reseau = RESEAUX[index % len(RESEAUX)] if index % 3 else ""
        head = add(
            {
                "uai": _make_uai(rng, departement),
                "siret": _make_siret(rng, siren),
                "raison_sociale": f"CFA {metier.upper()} {commune.upper()}",
                "enseigne": f"CFA {metier} de {commune}" if index % 4 == 0 else "",
                "numero": str(rng.randrange(1, 120)),
                "voie": rng.choice(VOIES),
                "code_postal": code_postal,
                "commune": commune,
                "reseaux": reseau,
                "qualiopi": "oui" if index % 5 else "non",
                "ferme": "oui" if index % 29 == 7 else "non",
            }
        )
        # Two or three formateurs, in the same département or a neighbour; same SIREN for the first.
        for sub in range(rng.randrange(2, 5)):
            f_dep, f_commune, f_cp = VILLES[(index + sub) % len(VILLES)]
            same_siren = sub == 0
            formateur = {
                "uai": "" if (index * 7 + sub) % 23 == 0 else _make_uai(rng, f_dep),
                "siret": _make_siret(rng, siren if same_siren else _make_siren(rng)),
                "raison_sociale": f"{'ANTENNE' if same_siren else 'LYCÉE'} {metier.upper()} {f_commune.upper()}",
                "numero": str(rng.randrange(1, 120)),
                "voie": rng.choice(VOIES),
                "code_postal": f_cp,
                "commune": f_commune,
                "reseaux": reseau,
                "ferme": "oui" if (index + sub) % 31 == 5 else "non",
                "referentiel": "absent" if (index + sub) % 19 == 3 else "present",
                "responsables": f"{head['uai']}/{head['siret']}",
            }
            add(formateur)
        # Some formateurs answer to a second responsable of another SIREN (partial responsibility).
        if index % 6 == 5 and len(rows) > 10:
            rows[-1]["responsables"] += f"|{rows[-8]['uai']}/{rows[-8]['siret']}"

    # Independent organismes (responsable et formateur of their own formations).
    for index in range(40):
        departement, commune, code_postal = VILLES[(index * 5) % len(VILLES)]
        siret = _make_siret(rng, _make_siren(rng))
        uai = _make_uai(rng, departement)
        add(
            {
                "uai": uai,
                "siret": siret,
                "raison_sociale": f"CFA {METIERS[(index * 3) % len(METIERS)].upper()} {commune.upper()} {index + 1}",
                "numero": str(rng.randrange(1, 120)),
                "voie": rng.choice(VOIES),
                "code_postal": code_postal,
                "commune": commune,
                "responsables": f"{uai}/{siret}",
                "reseaux": RESEAUX[index % len(RESEAUX)] if index % 2 else "",
            }
        )
    # Demo CFA of the seeds' screenshots (its SIRET made valid).
    add(
        {
            "uai": "0312464H",
            "siret": _make_siret(rng, _make_siren(rng)),
            "raison_sociale": "CFA DUMOULIN",
            "nature": "responsable_formateur",
            "numero": "5",
            "voie": "RUE DUTOT",
            "code_postal": "13001",
            "commune": "MARSEILLE",
        }
    )
    return list(enumerate(rows, start=1))


# --- Demo accounts ----------------------------------------------------------------------------------------

# Known passwords of the demo accounts (printed by `make run`, listed in the README). Never in production.
DEMO_PASSWORD = "Demo-Tdba-2026!"  # noqa: S105 - documented demo credential
DEMO_PASSWORD_ADMIN = "Demo-Administrateur-Tdba-2026!"  # noqa: S105 - administrators need ≥ 20 characters
# Réseaux flagged "responsable" in the spec's fixtures (statuses-indicators-roles.md §4.3).
RESEAUX_RESPONSABLES = ("comp_du_devoir", "aftral", "afpa")

T = OrganisationType
# (email, organisation type, what to attach, label printed).
DEMO_USERS = (
    ("ofa.formateur@demo.tdba.fr", T.ORGANISME_FORMATION, {"organisme": FIXTURE_FORMATEUR}, "OFA formateur 0802004U"),
    ("ofa.responsable@demo.tdba.fr", T.ORGANISME_FORMATION, {"organisme": FIXTURE_RESPONSABLE}, "OFA responsable"),
    ("reseau.cci@demo.tdba.fr", T.TETE_DE_RESEAU, {"reseau": "cci"}, "Tête de réseau CCI"),
    ("reseau.compagnons@demo.tdba.fr", T.TETE_DE_RESEAU, {"reseau": "comp_du_devoir"}, "Réseau responsable"),
    ("dreets@demo.tdba.fr", T.DREETS, {"region": "11"}, "DREETS Île-de-France"),
    ("draaf@demo.tdba.fr", T.DRAAF, {"region": "11"}, "DRAAF Île-de-France"),
    ("ddets@demo.tdba.fr", T.DDETS, {"departement": "75"}, "DDETS Paris"),
    ("academie@demo.tdba.fr", T.ACADEMIE, {"academie": "01"}, "Académie de Paris"),
    ("region@demo.tdba.fr", T.CONSEIL_REGIONAL, {"region": "11"}, "Conseil régional Île-de-France"),
    ("carif.oref@demo.tdba.fr", T.CARIF_OREF_REGIONAL, {"region": "11"}, "CARIF-OREF Île-de-France"),
    ("carif.oref.national@demo.tdba.fr", T.CARIF_OREF_NATIONAL, {}, "CARIF-OREF national"),
    ("operateur.national@demo.tdba.fr", T.OPERATEUR_PUBLIC_NATIONAL, {}, "Opérateur public national"),
    ("admin@demo.tdba.fr", T.ADMINISTRATEUR, {}, "Administrateur (accès /admin/)"),
)
MODELS = {"region": Region, "departement": Departement, "academie": Academie}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    label: str


def demo_referentiel_load() -> ImportReport:
    """Load (idempotently) the demo référentiel, fixture couple included."""
    return referentiel_import(raw_rows=demo_referentiel_rows(), reset_absent=False)


@transaction.atomic
def demo_users_load() -> list[DemoAccount]:
    """Create or reset one confirmed account per organisation type (known passwords); return them to print."""
    Reseau.objects.filter(key__in=RESEAUX_RESPONSABLES).update(responsable=True)
    accounts = []
    for email, kind, target, label in DEMO_USERS:
        kwargs = {}
        for name, value in target.items():
            if name == "organisme":
                kwargs[name] = Organisme.objects.get(**value)
            elif name == "reseau":
                kwargs[name] = Reseau.objects.get(key=value)
            else:
                kwargs[name] = MODELS[name].objects.get(pk=value)
        organisation = organisation_get_or_create(type=kind, **kwargs)
        admin = kind == T.ADMINISTRATEUR
        password = DEMO_PASSWORD_ADMIN if admin else DEMO_PASSWORD
        user = User.objects.filter(email=email).first() or User(email=email, confirmed_at=timezone.now())
        user.prenom, user.nom, user.civilite = "Démo", label, "Madame"
        user.fonction = "Compte de démonstration"
        user.organisation = organisation
        user.organisation_role = OrganisationRole.ADMIN if kind == T.ORGANISME_FORMATION else ""
        user.account_status = AccountStatus.CONFIRMED
        user.is_staff = user.is_superuser = admin
        user.has_accept_cgu_version = "v1"
        user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        accounts.append(DemoAccount(email, password, label))
    return accounts
