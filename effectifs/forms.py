"""GET filter forms of the dashboards, "Mes indicateurs" and "Mes effectifs" (pages-import-sifa.md §1.4–1.8).

The forms only parse and validate the query string; the views turn `cleaned_data` into the selectors'
filter objects. An invalid value never reaches a selector: the page shows a French message instead.
"""

import re
from datetime import date

from django import forms
from dsfr.forms import DsfrBaseForm

from effectifs.models import SourceEffectif, StatutApprenant
from effectifs.selectors import ANOMALIES, NIVEAUX, TRANCHES_AGE, TRIS, FiltresEffectifs, FiltresIndicateurs
from effectifs.statuts import date_indicateurs

CFD_RE = re.compile(r"^[A-Z0-9]{8}$")
ANNEE_RE = re.compile(r"^[12][0-9]{3}-[12][0-9]{3}$")
PAR_PAGE = (10, 20, 50)
# Years a month may be picked in: effectifs are kept 5 years (§1.1); beyond that nothing is counted.
PREMIERE_ANNEE = 2018


class MoisForm(DsfrBaseForm):
    """The month picker: "AAAA-MM" → D = last day of the month, or today for the current month (§3.1)."""

    mois = forms.CharField(
        label="Mois",
        required=False,
        help_text=(
            "La sélection du mois permet d'afficher les effectifs au dernier jour du mois. "
            "La période de référence pour l'année scolaire court du 1er août au 31 juillet."
        ),
        widget=forms.DateInput(attrs={"type": "month"}),
    )

    def __init__(self, *args, today: date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def clean_mois(self) -> date:
        value = (self.cleaned_data.get("mois") or "").strip()
        try:
            d = date_indicateurs(value or None, self.today)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if not PREMIERE_ANNEE <= d.year <= self.today.year + 1:
            raise forms.ValidationError(
                f"Mois invalide : choisissez un mois entre {PREMIERE_ANNEE} et {self.today.year + 1}."
            )
        return d

    def date(self) -> date:
        """D if the form is valid, today otherwise (the page then shows the error)."""
        if self.is_valid():
            return self.cleaned_data["mois"]
        return self.today

    def mois_value(self) -> str:
        return self.date().strftime("%Y-%m")


class IndicateursFiltresForm(MoisForm):
    """Filters of "Mes indicateurs" (§1.8; §3.4 keys) that apply to an organisme's own data."""

    formation_niveaux = forms.MultipleChoiceField(
        label="Niveau de formation", required=False, choices=NIVEAUX.items(), widget=forms.CheckboxSelectMultiple
    )
    formation_annees = forms.TypedMultipleChoiceField(
        label="Année de formation",
        required=False,
        coerce=int,
        choices=[(str(n), f"{n}re année" if n == 1 else f"{n}e année") for n in range(1, 6)],
        widget=forms.CheckboxSelectMultiple,
    )
    formation_cfds = forms.CharField(
        label="Code diplôme (CFD)",
        required=False,
        max_length=200,
        help_text="Un ou plusieurs codes de 8 caractères, séparés par des virgules.",
    )
    apprenant_tranchesAge = forms.MultipleChoiceField(  # the reference query key
        label="Tranche d’âge",
        required=False,
        choices=[(key, label) for key, (label, _, _) in TRANCHES_AGE.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    organisme_search = forms.CharField(
        label="Établissement", required=False, max_length=100, help_text="UAI, SIRET ou nom de l'établissement."
    )

    def clean_formation_cfds(self) -> tuple[str, ...]:
        raw = self.cleaned_data.get("formation_cfds") or ""
        cfds = tuple(dict.fromkeys(c.strip().upper() for c in raw.split(",") if c.strip()))
        invalid = [c for c in cfds if not CFD_RE.match(c)]
        if invalid:
            raise forms.ValidationError(
                "Code diplôme invalide : %(codes)s (8 lettres ou chiffres attendus).",
                params={"codes": ", ".join(invalid)},
            )
        return cfds

    def filtres(self) -> FiltresIndicateurs:
        """The selectors' filters; only the date when the form is invalid."""
        if not self.is_valid():
            return FiltresIndicateurs(date=self.today, today=self.today)
        data = self.cleaned_data
        return FiltresIndicateurs(
            date=data["mois"],
            today=self.today,
            niveaux=tuple(data["formation_niveaux"]),
            annees=tuple(data["formation_annees"]),
            cfds=data["formation_cfds"],
            tranches_age=tuple(data["apprenant_tranchesAge"]),
            organisme_search=data["organisme_search"].strip(),
        )

    @property
    def nombre_filtres(self) -> int:
        if not self.is_valid():
            return 0
        data = self.cleaned_data
        keys = ("formation_niveaux", "formation_annees", "formation_cfds", "apprenant_tranchesAge", "organisme_search")
        return sum(1 for key in keys if data.get(key))


STATUT_CHOICES = [(s.value, s.label) for s in StatutApprenant if s != StatutApprenant.PRE_INSCRIT]
TRI_CHOICES = [
    ("annee_scolaire", "Période"),
    ("nom", "Nom"),
    ("prenom", "Prénom"),
    ("formation", "Formation"),
    ("statut", "Statut actuel"),
]


class EffectifsFiltresForm(DsfrBaseForm):
    """Search, filters, sort and page size of "Mes effectifs" (§1.6); all state lives in the query string."""

    recherche = forms.CharField(label="Rechercher un apprenant", required=False, max_length=100)
    annee_scolaire = forms.MultipleChoiceField(
        label="Année scolaire", required=False, widget=forms.CheckboxSelectMultiple
    )
    formation = forms.MultipleChoiceField(label="Formation", required=False, widget=forms.CheckboxSelectMultiple)
    statut = forms.MultipleChoiceField(
        label="Statut", required=False, choices=STATUT_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    source = forms.MultipleChoiceField(
        label="Source de la donnée",
        required=False,
        choices=SourceEffectif.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    anomalie = forms.ChoiceField(label="Anomalie", required=False, choices=[("", "Toutes"), *ANOMALIES.items()])
    tri = forms.ChoiceField(required=False, choices=TRI_CHOICES)
    ordre = forms.ChoiceField(required=False, choices=[("asc", "croissant"), ("desc", "décroissant")])
    par_page = forms.TypedChoiceField(
        label="Voir par", required=False, coerce=int, choices=[(str(n), str(n)) for n in PAR_PAGE], empty_value=10
    )

    def __init__(self, data, *, options: dict[str, list], annee_courante: str):
        # Default filter: the current school year (§1.6), unless the user chose otherwise (even "none").
        data = data.copy()
        if "filtre" not in data:
            data.setlist("annee_scolaire", [annee_courante])
        super().__init__(data)
        # A well-formed year absent from the data is a valid (empty) choice, e.g. a bookmarked link.
        annees = set(options["annees_scolaires"]) | {a for a in data.getlist("annee_scolaire") if ANNEE_RE.match(a)}
        self.fields["annee_scolaire"].choices = [(a, a) for a in sorted(annees, reverse=True)]
        self.fields["formation"].choices = [(f, f) for f in options["formations"]]
        sources = set(options["sources"])
        self.fields["source"].choices = [c for c in SourceEffectif.choices if c[0] in sources] or SourceEffectif.choices

    def filtres(self) -> FiltresEffectifs:
        """The selectors' filters from the valid fields; an invalid field is ignored (the page says so)."""
        self.is_valid()
        data = self.cleaned_data
        tri = data.get("tri") or "annee_scolaire"
        return FiltresEffectifs(
            annees_scolaires=tuple(data.get("annee_scolaire", ())),
            formations=tuple(data.get("formation", ())),
            statuts=tuple(data.get("statut", ())),
            sources=tuple(data.get("source", ())),
            recherche=data.get("recherche", "").strip(),
            anomalie=data.get("anomalie", ""),
            tri=tri if tri in TRIS else "annee_scolaire",
            ordre=data.get("ordre") or ("desc" if tri == "annee_scolaire" else "asc"),
        )

    @property
    def taille_page(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("par_page") or 10
