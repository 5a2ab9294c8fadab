"""Forms of the sign-up wizard (pages-import-sifa.md §1.3) and of "Mon compte" (§1.11)."""

import re

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm

from organismes.models import (
    SIRET_PATTERN,
    Academie,
    Civilite,
    Departement,
    OrganisationRole,
    OrganisationType,
    Region,
    Reseau,
    User,
)
from organismes.services import EMAIL_TAKEN_MESSAGE, INVITATION_BATCH_MAX


class TdbaForm(DsfrBaseForm):
    """DsfrBaseForm marking optional fields (the DSFR rule), without django-dsfr's warning at each render."""

    def get_context(self) -> dict:
        context = forms.Form.get_context(self)
        context["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return context


UAI_SEARCH_PATTERN = re.compile(r"^[0-9]{7}[a-zA-Z]$")

TYPE_CHOICES = [
    ("organisme-formation", "Un CFA ou organisme de formation"),
    ("operateur-public", "Un opérateur public (D(R)(I)EETS, DDETS, Académie…)"),
    ("reseau", "Un réseau d'organismes de formation"),
    ("autre", "Autre organisation"),
]

OPERATEUR_PUBLIC_TYPES = [
    (OrganisationType.DREETS.value, "D(R)(I)EETS"),
    (OrganisationType.DRAAF.value, "DRAAF"),
    (OrganisationType.DDETS.value, "DDETS"),
    (OrganisationType.ACADEMIE.value, "Académie"),
    (OrganisationType.CONSEIL_REGIONAL.value, "Conseil régional"),
    (OrganisationType.CARIF_OREF_REGIONAL.value, "CARIF-OREF régional"),
    (OrganisationType.CARIF_OREF_NATIONAL.value, "CARIF-OREF national"),
    (OrganisationType.OPERATEUR_PUBLIC_NATIONAL.value, "Opérateur public national"),
]


class TypeOrganisationForm(TdbaForm):
    type = forms.ChoiceField(
        label="Vous représentez :",
        choices=TYPE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le type de votre organisation."},
    )


class RechercheOrganismeForm(TdbaForm):
    """UAI or SIRET search; a GET form so that it works without JavaScript."""

    select = forms.ChoiceField(
        label="Au choix, indiquez l’UAI ou le SIRET de votre établissement :",
        choices=[("uai", "UAI"), ("siret", "SIRET")],
        widget=forms.RadioSelect,
        initial="uai",
        required=False,
    )
    uai = forms.CharField(
        label="UAI de votre organisme",
        help_text="Une UAI au format valide est composée de 7 chiffres et 1 lettre",
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"placeholder": "Exemple : 1234567A", "autocomplete": "off"}),
    )
    siret = forms.CharField(
        label="SIRET de votre organisme",
        help_text="Un SIRET au format valide est composé de 14 chiffres",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "Exemple : 98765432400019", "autocomplete": "off"}),
    )

    @property
    def mode(self) -> str:
        value = self.data.get("select") if self.is_bound else self.initial.get("select")
        return value if value in ("uai", "siret") else "uai"

    def clean(self):
        cleaned = super().clean()
        if self.mode == "siret":
            siret = re.sub(r"\s", "", cleaned.get("siret") or "")
            if not siret:
                self.add_error("siret", "Le SIRET est obligatoire")
            elif not re.match(SIRET_PATTERN, siret):
                self.add_error("siret", "SIRET invalide")
            cleaned["siret"] = siret
        else:
            uai = (cleaned.get("uai") or "").strip()
            if not uai:
                self.add_error("uai", "L'UAI est obligatoire")
            elif not UAI_SEARCH_PATTERN.match(uai):
                self.add_error("uai", "UAI invalide")
            cleaned["uai"] = uai.upper()
        return cleaned


class OperateurTypeForm(TdbaForm):
    type = forms.ChoiceField(
        label="Vous représentez :",
        choices=[("", "Sélectionner un opérateur public"), *OPERATEUR_PUBLIC_TYPES],
        error_messages={"required": "Choisissez un opérateur public.", "invalid_choice": "Choix invalide."},
    )


class TerritoireForm(TdbaForm):
    """ "Votre territoire :" for the chosen operator type (none for national operators)."""

    def __init__(self, *args, operateur_type: str, **kwargs):
        super().__init__(*args, **kwargs)
        t = OrganisationType
        if operateur_type in (t.DREETS, t.DRAAF, t.CONSEIL_REGIONAL, t.CARIF_OREF_REGIONAL):
            self.fields["territoire"] = forms.ModelChoiceField(
                label="Votre territoire :",
                queryset=Region.objects.order_by("nom"),
                empty_label="Sélectionner une région",
            )
            self.territoire_kind = "region"
        elif operateur_type == t.DDETS:
            self.fields["territoire"] = forms.ModelChoiceField(
                label="Votre territoire :",
                queryset=Departement.objects.order_by("code"),
                empty_label="Sélectionner un département",
            )
            self.territoire_kind = "departement"
        elif operateur_type == t.ACADEMIE:
            self.fields["territoire"] = forms.ModelChoiceField(
                label="Votre territoire :",
                queryset=Academie.objects.order_by("nom"),
                empty_label="Sélectionner une académie",
            )
            self.territoire_kind = "academie"
        else:
            self.territoire_kind = ""
        if "territoire" in self.fields:
            self.fields["territoire"].error_messages = {
                "required": "Choisissez votre territoire.",
                "invalid_choice": "Territoire inconnu.",
            }


AUTRE_RESEAU = "AUTRE"


def _reseau_choices() -> list[tuple[str, str]]:
    reseaux = Reseau.objects.order_by("nom").values_list("pk", "nom")
    return [("", "Sélectionner un réseau"), *((str(pk), nom) for pk, nom in reseaux), (AUTRE_RESEAU, "Autre Réseau")]


class ReseauForm(TdbaForm):
    """The réseau list, then "Autre Réseau": `reseau` is cleaned to a Reseau or to AUTRE_RESEAU."""

    reseau = forms.ChoiceField(
        label="Vous représentez le réseau :",
        choices=_reseau_choices,
        error_messages={"required": "Choisissez votre réseau.", "invalid_choice": "Réseau inconnu."},
    )

    def clean_reseau(self):
        value = self.cleaned_data["reseau"]
        if value == AUTRE_RESEAU:
            return AUTRE_RESEAU
        reseau = Reseau.objects.filter(pk=int(value)).first()
        if reseau is None:  # removed since the page was shown
            raise ValidationError("Réseau inconnu.")
        return reseau


class ReseauInconnuForm(TdbaForm):
    """ "Autre Réseau": the missing réseau's name and whom the team should answer."""

    nom = forms.CharField(
        label="Indiquez le nom de votre réseau :",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        error_messages={"required": "Le nom du réseau est obligatoire"},
    )
    email = forms.EmailField(
        label="Votre courriel :",
        widget=forms.EmailInput(attrs={"placeholder": "Ex : jeandupont@reseau.fr", "autocomplete": "email"}),
        error_messages={"required": "L'email est obligatoire", "invalid": "L'email n'est pas au bon format"},
    )

    def clean_nom(self):
        nom = self.cleaned_data["nom"]
        # The name goes into a plain-text e-mail: no line breaks or control characters to forge lines with.
        if any(ord(c) < 32 or ord(c) == 127 for c in nom):
            raise ValidationError("Le nom du réseau contient des caractères non autorisés.")
        return nom


class ProfilForm(TdbaForm):
    """Step 3: who you are. `email_locked` comes from an invitation (the server keeps its value)."""

    email = forms.EmailField(
        label="Votre courriel",
        help_text="Adresse nominative et professionnelle (pas de contact@, ni d'adresse personnelle).",
        widget=forms.EmailInput(attrs={"placeholder": "Ex : jeandupont@cfa.fr", "autocomplete": "email"}),
        error_messages={"required": "L'email est obligatoire", "invalid": "L'email n'est pas au bon format"},
    )
    civilite = forms.ChoiceField(
        label="Civilité",
        choices=[(Civilite.MONSIEUR, "Monsieur"), (Civilite.MADAME, "Madame")],
        widget=forms.RadioSelect(attrs={"inline": True}),
        error_messages={"required": "Champ obligatoire"},
    )
    nom = forms.CharField(
        label="Votre nom",
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "Ex : Dupont", "autocomplete": "family-name"}),
        error_messages={"required": "Champ obligatoire"},
    )
    prenom = forms.CharField(
        label="Votre prénom",
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "Ex : Jean", "autocomplete": "given-name"}),
        error_messages={"required": "Champ obligatoire"},
    )
    fonction = forms.CharField(
        label="Votre fonction au sein de l'établissement",
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "Ex : Responsable administratif"}),
        error_messages={"required": "Champ obligatoire"},
    )
    telephone = forms.CharField(
        label="Téléphone",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Ex : 06 89 10 11 12", "autocomplete": "tel"}),
    )
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        help_text="Au moins 12 caractères, dont une minuscule, une majuscule, un chiffre et un caractère spécial.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Le mot de passe est obligatoire"},
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Confirmez le mot de passe"},
    )
    cgu = forms.BooleanField(
        label="J'atteste avoir lu et accepté les conditions générales d'utilisation",
        error_messages={"required": "Vous devez accepter les conditions générales d'utilisation."},
    )

    def __init__(self, *args, organisation_type: str, email_locked: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_type = organisation_type
        self.email_locked = email_locked
        if email_locked:
            self.fields["email"].disabled = True
            self.fields["email"].initial = email_locked
            self.fields["email"].help_text = "Adresse de l'invitation : elle ne peut pas être modifiée."
        if organisation_type == OrganisationType.ORGANISME_FORMATION:
            self.fields["accepte_contact"] = forms.BooleanField(
                label=(
                    "J'accepte d'être contacté par un opérateur public (DREETS, Académie, …). "
                    "Mon email apparaîtra dans le profil dans mon organisme."
                ),
                error_messages={"required": "Vous devez accepter d'être contacté par un opérateur public."},
            )

    def clean_email(self):
        email = self.email_locked or self.cleaned_data["email"]
        email = email.strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(EMAIL_TAKEN_MESSAGE)
        return email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "Les mots de passe doivent correspondre.")
        if password1:
            candidate = User(
                email=cleaned.get("email") or "",
                nom=cleaned.get("nom") or "",
                prenom=cleaned.get("prenom") or "",
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class InformationsForm(TdbaForm):
    """ "Mes informations" (the email is shown read-only)."""

    civilite = forms.ChoiceField(
        label="Civilité",
        choices=[(Civilite.MADAME, "Madame"), (Civilite.MONSIEUR, "Monsieur")],
        widget=forms.RadioSelect(attrs={"inline": True}),
        error_messages={"required": "Champ obligatoire"},
    )
    prenom = forms.CharField(label="Prénom", max_length=150, error_messages={"required": "Champ obligatoire"})
    nom = forms.CharField(label="Nom", max_length=150, error_messages={"required": "Champ obligatoire"})
    telephone = forms.CharField(label="Numéro de téléphone", max_length=30, required=False)
    fonction = forms.CharField(label="Fonction", max_length=150, required=False)
    email = forms.EmailField(
        label="Adresse courriel", disabled=True, required=False, help_text="Cette adresse ne peut pas être modifiée."
    )


class InvitationForm(TdbaForm):
    email = forms.EmailField(
        label="Inviter un membre de votre organisme",
        widget=forms.EmailInput(attrs={"placeholder": "Renseigner un courriel"}),
        error_messages={"required": "L'email est obligatoire", "invalid": "L'email n'est pas au bon format"},
    )
    role = forms.ChoiceField(
        label="Rôle", choices=OrganisationRole.choices, initial=OrganisationRole.MEMBER, required=False
    )


class InvitationGroupeeForm(TdbaForm):
    emails = forms.CharField(
        label=f"Inviter plusieurs personnes (jusqu'à {INVITATION_BATCH_MAX})",
        help_text="Une adresse courriel par ligne.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Indiquez au moins une adresse courriel."},
    )
    role = forms.ChoiceField(label="Rôle", choices=OrganisationRole.choices, initial=OrganisationRole.MEMBER)

    def clean_emails(self):
        emails = [e.strip() for e in re.split(r"[\s,;]+", self.cleaned_data["emails"]) if e.strip()]
        if not 1 <= len(emails) <= INVITATION_BATCH_MAX:
            raise ValidationError(f"Indiquez entre 1 et {INVITATION_BATCH_MAX} adresses courriel.")
        invalid = []
        for email in emails:
            try:
                forms.EmailField().clean(email)
            except ValidationError:
                invalid.append(email)
        if invalid:
            raise ValidationError("Adresses au mauvais format : " + ", ".join(invalid))
        return emails


class RoleForm(TdbaForm):
    role = forms.ChoiceField(label="Rôle", choices=OrganisationRole.choices)
