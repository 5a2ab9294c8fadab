"""Forms of the Paramètres wizard (pages-import-sifa.md §1.10). They only validate input; services decide."""

from django import forms

from erp_keys.selectors import erp_catalogue
from organismes.forms import TdbaForm

AUTRE_ERP = "other"


class ErpChoiceForm(TdbaForm):
    """The ERP choice: the catalogue in display order, then "J'utilise un autre ERP"."""

    erp = forms.ChoiceField(
        label="Sélectionnez votre ERP ou outil de gestion utilisé",
        error_messages={"required": "Veuillez sélectionner votre ERP.", "invalid_choice": "ERP inconnu."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.erps = list(erp_catalogue())
        self.fields["erp"].choices = [(e.unique_id, e.name) for e in self.erps] + [
            (AUTRE_ERP, "J'utilise un autre ERP")
        ]

    @property
    def chosen_erp(self):
        """The catalogue entry chosen, or None for "J'utilise un autre ERP"."""
        return next((e for e in self.erps if e.unique_id == self.cleaned_data["erp"]), None)


class ErpUnsupportedForm(TdbaForm):
    nom = forms.CharField(
        label="Veuillez indiquer le nom de votre ERP :",
        max_length=255,
        error_messages={"required": "Veuillez indiquer le nom de votre ERP."},
    )

    def clean_nom(self):
        nom = self.cleaned_data["nom"].strip()
        if not nom:
            raise forms.ValidationError("Veuillez indiquer le nom de votre ERP.")
        return nom


class ErpIdForm(forms.Form):
    """The ERP id carried by the wizard's buttons (generate, confirm) to come back to the same step."""

    erp = forms.CharField(max_length=50, required=False)
