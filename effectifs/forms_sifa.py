"""Forms of "Mon enquête SIFA": the GET filters of the list and the "Type de CFA" applied to all."""

from django import forms
from dsfr.forms import DsfrBaseForm

from effectifs.models import SourceEffectif
from effectifs.selectors.sifa import FiltresSifa
from effectifs.sifa import TYPE_CFA

PAR_PAGE = 20


class SifaFiltresForm(DsfrBaseForm):
    """Search, filters and the "only incomplete" toggle; all state lives in the query string (works without JS)."""

    recherche = forms.CharField(label="Rechercher un apprenant", required=False, max_length=100)
    source = forms.MultipleChoiceField(
        label="Source de la donnée", required=False, choices=SourceEffectif.choices, widget=forms.CheckboxSelectMultiple
    )
    formation = forms.MultipleChoiceField(label="Formation", required=False, widget=forms.CheckboxSelectMultiple)
    # The reference's query key (§3.3).
    only_sifa_missing_fields = forms.BooleanField(
        label="Afficher uniquement les données manquantes pour SIFA", required=False
    )

    def __init__(self, data, *, formations: list[str]):
        super().__init__(data)
        # A formation absent from the data is ignored rather than reported (e.g. an old bookmarked link).
        self.fields["formation"].choices = [(f, f) for f in formations]

    def filtres(self) -> FiltresSifa:
        """The selector's filters from the valid fields; an invalid field is ignored (the page says so)."""
        self.is_valid()
        data = self.cleaned_data
        return FiltresSifa(
            recherche=(data.get("recherche") or "").strip(),
            sources=tuple(data.get("source", ())),
            formations=tuple(data.get("formation", ())),
            incomplets=bool(data.get("only_sifa_missing_fields")),
        )


class TypeCfaForm(DsfrBaseForm):
    """ "Type de CFA" for all SIFA learners; a second POST with `confirmation` applies it (no JS confirm)."""

    type_cfa = forms.ChoiceField(label="Type de CFA", choices=[("", "Sélectionnez une option"), *TYPE_CFA.items()])
    confirmation = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def libelle(self) -> str:
        return TYPE_CFA.get(self.cleaned_data.get("type_cfa", ""), "")
