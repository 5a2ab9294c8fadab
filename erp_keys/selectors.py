"""Reads of the Paramètres wizard: the ERP catalogue, an organisme's keys, the organisme a user may configure."""

from django.db.models import QuerySet
from django.http import Http404

from erp_keys.models import Erp, ExchangeKey, RevocationReason
from organismes.models import OrganisationType, Organisme
from organismes.selectors import organisme_get_for_user


def erp_catalogue() -> QuerySet[Erp]:
    """The ERPs offered in "Sélectionnez votre ERP ou outil de gestion utilisé", in display order."""
    return Erp.objects.filter(disabled=False).order_by("display_order", "name")


def erp_get(*, unique_id: str) -> Erp | None:
    """The catalogue entry with this id (ERPs send it in any case), or None."""
    if not unique_id:
        return None
    return Erp.objects.filter(unique_id__iexact=unique_id).first()


def erp_names(*, unique_ids: list[str]) -> list[str]:
    """Display names of the organisme's ERPs, in its order; an id missing from the catalogue shows as is."""
    names = dict(Erp.objects.filter(unique_id__in=[u.lower() for u in unique_ids]).values_list("unique_id", "name"))
    return [names.get(u.lower(), u) for u in unique_ids]


def exchange_key_active(*, organisme: Organisme) -> ExchangeKey | None:
    """The organisme's active key (at most one), without its clear value: nobody can read it back."""
    return ExchangeKey.objects.filter(organisme=organisme, revoked_at__isnull=True).first()


def exchange_key_expired(*, organisme: Organisme) -> ExchangeKey | None:
    """The key revoked for 12 months without activity, when the organisme has had no new key since."""
    latest = ExchangeKey.objects.filter(organisme=organisme).order_by("-generated_at", "-pk").first()
    if latest is None or latest.revoked_reason != RevocationReason.INACTIVE_12_MONTHS:
        return None
    return latest


def organisme_for_parametres(*, user, public_id=None) -> Organisme:
    """The organisme whose transmission the user configures: their own OFA organisme, or `public_id`.

    Requires `configurer_mode_transmission` (the OFA itself, administrators); 404 otherwise.
    """
    if public_id is None:
        organisation = getattr(user, "organisation", None)
        if organisation is None or organisation.type != OrganisationType.ORGANISME_FORMATION:
            raise Http404("Cette page est réservée aux organismes de formation.")
        public_id = organisation.organisme.public_id
    return organisme_get_for_user(user=user, public_id=public_id, permission="configurer_mode_transmission")


def organisme_for_key_management(*, user, public_id) -> Organisme:
    """An organisme whose effectifs the user fully manages (itself, a formateur it fully controls, admin); else 404."""
    return organisme_get_for_user(user=user, public_id=public_id, permission="manage_effectifs")
