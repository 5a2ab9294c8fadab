from celery import shared_task
from django.utils import timezone

from effectifs.services import effectifs_statut_courant_refresh
from effectifs.statuts import annees_scolaires_for_indicators


@shared_task(name="effectifs.refresh_statut_courant")
def refresh_statut_courant() -> int:
    """Weekly (Saturday 05:00 UTC, as the reference): current statuses of this school year's effectifs."""
    today = timezone.now().date()
    return effectifs_statut_courant_refresh(today=today, annees_scolaires=annees_scolaires_for_indicators(today))
