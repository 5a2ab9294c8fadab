from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from organismes.demo import FIXTURE_FORMATEUR, FIXTURE_RESPONSABLE, demo_referentiel_rows
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
from organismes.services import organisation_get_or_create, referentiel_import

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


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (idempotent) : référentiel d'organismes et un compte validé "
        "par type d'organisation."
    )

    def handle(self, *args, **options):
        report = referentiel_import(raw_rows=demo_referentiel_rows(), reset_absent=False)
        self.stdout.write(
            f"Référentiel de démonstration : {report.created} organisme(s) créé(s), {report.updated} mis à jour, "
            f"{report.unchanged} inchangé(s)."
        )
        self.stdout.write("Comptes de démonstration (courriel / mot de passe / type) :")
        for email, password, label in self._users():
            self.stdout.write(f"  {email:36} {password:32} {label}")

    @transaction.atomic
    def _users(self) -> list[tuple[str, str, str]]:
        Reseau.objects.filter(key__in=RESEAUX_RESPONSABLES).update(responsable=True)
        printed = []
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
            printed.append((email, password, label))
        return printed
