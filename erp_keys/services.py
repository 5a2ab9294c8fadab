"""Exchange keys: generate, authenticate, handshake, revoke (api-v3.md §4.4, §4.6, §4.7)."""

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from erp_keys.models import ExchangeKey, RevocationReason
from organismes.models import AuditLog, Organisme


def key_digest(key: str) -> str:
    """SHA-256 of the key. Keys are random UUIDs (122 bits), so a plain digest cannot be brute-forced."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def erp_key_generate(*, organisme: Organisme, user=None) -> str:
    """Create a new key for the organisme, revoking the previous one at once; return the clear key (shown once)."""
    now = timezone.now()
    Organisme.objects.select_for_update().filter(pk=organisme.pk).first()
    previous = list(ExchangeKey.objects.filter(organisme=organisme, revoked_at__isnull=True))
    ExchangeKey.objects.filter(pk__in=[k.pk for k in previous]).update(
        revoked_at=now, revoked_reason=RevocationReason.REGENERATED
    )
    key = str(uuid.uuid4())
    ExchangeKey.objects.create(
        organisme=organisme, digest=key_digest(key), hint=key[:5], generated_at=now, generated_by=user
    )
    AuditLog.objects.create(
        action="erp_key_generated",
        user=user,
        organisme=organisme,
        data={"hint": key[:5], "previous_revoked": len(previous)},
    )
    return key


def erp_key_authenticate(token: str) -> ExchangeKey | None:
    """The active key matching a bearer token, or None. The digests are compared in constant time."""
    if not token or len(token) > 200:
        return None
    digest = key_digest(token)
    key = ExchangeKey.objects.select_related("organisme").filter(digest=digest, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.digest, digest):
        return None
    return key


def erp_key_mark_used(*, key: ExchangeKey, now: datetime | None = None) -> None:
    """Record activity (at most one write per minute per key: ERPs post many batches in a row)."""
    now = now or timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ExchangeKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


@dataclass
class RevocationResult:
    revoked: int
    dry_run: bool
    months: int
    cutoff: datetime


def erp_keys_revoke_stale(
    *, now: datetime | None = None, months: int = 12, dry_run: bool = False, limit: int | None = None
) -> RevocationResult:
    """Revoke active keys without activity for `months` months (§4.7), with an audit entry each.

    Last activity = the latest of the key's generation, its last use, its ERP handshake and the
    organisme's last transmission dates; a key is revoked when that is older than the cutoff.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=round(months * 365.25 / 12))
    candidates = []
    keys = (
        ExchangeKey.objects.filter(revoked_at__isnull=True)
        .select_related("organisme")
        .annotate(
            _org_last=Max("organisme__last_transmission_date"),
            _org_last_erp=Max("organisme__last_erp_transmission_date"),
        )
        .order_by("generated_at")
    )
    for key in keys:
        dates = [
            d
            for d in (
                key.generated_at,
                key.last_used_at,
                key.api_configuration_date,
                key._org_last,
                key._org_last_erp,
            )
            if d is not None
        ]
        last_activity = max(dates) if dates else None
        if last_activity is None or last_activity < cutoff:
            candidates.append((key, last_activity))
        if limit is not None and len(candidates) >= limit:
            break
    if dry_run:
        return RevocationResult(len(candidates), True, months, cutoff)
    revoked = 0
    for key, last_activity in candidates:
        with transaction.atomic():
            updated = ExchangeKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
                revoked_at=now, revoked_reason=RevocationReason.INACTIVE_12_MONTHS
            )
            if updated:
                revoked += 1
                AuditLog.objects.create(
                    action="erp_key_revoked",
                    organisme=key.organisme,
                    data={
                        "hint": key.hint,
                        "siret": key.organisme.siret,
                        "uai": key.organisme.uai,
                        "last_activity": last_activity.isoformat() if last_activity else None,
                        "reason": RevocationReason.INACTIVE_12_MONTHS,
                        "months": months,
                    },
                )
    return RevocationResult(revoked, False, months, cutoff)
