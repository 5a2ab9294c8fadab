from celery import shared_task

from erp_keys.services import erp_keys_revoke_stale


@shared_task(name="erp_keys.revoke_stale")
def revoke_stale_keys() -> int:
    """Daily: revoke exchange keys without activity for 12 months (api-v3.md §4.7)."""
    return erp_keys_revoke_stale().revoked
