"""Reads on organismes. Every private read takes the user and answers 404 outside their scope."""

from django.shortcuts import get_object_or_404

from organismes.models import Organisme


def organisme_get_public(*, public_id) -> Organisme:
    """An organisme's public card (identity, nature, fiabilisation): visible to every logged-in user (§4.4)."""
    return get_object_or_404(
        Organisme.objects.select_related("departement", "region", "academie").prefetch_related("reseaux"),
        public_id=public_id,
    )
