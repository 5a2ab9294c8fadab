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
from organismes.models import AuditLog, ModeTransmission, Organisme


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


# --- Paramètres wizard: ERP handshake, configuration and reset (api-v3.md §4.3, §4.5, §4.6) ---------------


@transaction.atomic
def erp_key_handshake(*, organisme: Organisme, user, siret: str, uai: str, erp: str, api_key: str) -> bool:
    """The ERP hands the user back with the key it holds (/connexion-api). True if it is the organisme's active key.

    On success the identifiers the ERP sent are stored on the key as sent (not normalised: the human
    compares them on the next screen) and the ERP is added to the organisme's list (§4.6).
    A key of another organisme, a replaced or a revoked key, or no key at all: False.
    """
    now = timezone.now()
    Organisme.objects.select_for_update().filter(pk=organisme.pk).first()
    key = ExchangeKey.objects.filter(organisme=organisme, revoked_at__isnull=True).first()
    # Compare digests in constant time; without a key (or with an absurd token) nothing can match.
    presented = key_digest(api_key) if api_key and len(api_key) <= 200 else ""
    matches = key is not None and bool(presented) and hmac.compare_digest(key.digest, presented)
    if not matches:
        AuditLog.objects.create(
            action="erp_key_handshake_refused",
            user=user,
            organisme=organisme,
            data={"siret": siret, "uai": uai, "erp": erp, "active_key": key is not None},
        )
        return False
    key.api_siret, key.api_uai, key.api_erp, key.api_configuration_date = siret, uai, erp, now
    key.save(update_fields=["api_siret", "api_uai", "api_erp", "api_configuration_date"])
    organisme.refresh_from_db(fields=["erps"])
    if erp not in organisme.erps:
        organisme.erps = [*organisme.erps, erp]
        organisme.save(update_fields=["erps", "updated_at"])
    AuditLog.objects.create(
        action="erp_key_handshake",
        user=user,
        organisme=organisme,
        data={"hint": key.hint, "siret": siret, "uai": uai, "erp": erp},
    )
    return True


@transaction.atomic
def erp_configuration_set(
    *, organisme: Organisme, user, mode_de_transmission: str, erps: list[str] | None = None, erp_unsupported: str = ""
) -> None:
    """Record how the organisme transmits (`configureOrganismeERP`, §4.5): the mode, its ERP list, who and when.

    `erps` replaces the list (lower-cased); an empty `erp_unsupported` clears a previous one.
    """
    organisme.mode_de_transmission = mode_de_transmission
    organisme.erps = [erp.lower() for erp in (erps or [])]
    organisme.erp_unsupported = erp_unsupported.strip()
    organisme.mode_de_transmission_configuration_date = timezone.now()
    organisme.mode_de_transmission_configuration_author_fullname = user.full_name if user else ""
    organisme.save(
        update_fields=[
            "mode_de_transmission",
            "erps",
            "erp_unsupported",
            "mode_de_transmission_configuration_date",
            "mode_de_transmission_configuration_author_fullname",
            "updated_at",
        ]
    )
    AuditLog.objects.create(
        action="erp_configuration_confirmed",
        user=user,
        organisme=organisme,
        data={
            "mode_de_transmission": mode_de_transmission,
            "erps": organisme.erps,
            "erp_unsupported": organisme.erp_unsupported,
        },
    )


@transaction.atomic
def erp_configuration_confirm(*, organisme: Organisme, user, erp: str) -> bool:
    """Confirm the identifiers of the handshake ("Je confirme"): the organisme transmits through `erp` (mode API).

    False, and nothing stored, if no ERP handshake awaits confirmation.
    """
    key = ExchangeKey.objects.filter(organisme=organisme, revoked_at__isnull=True).first()
    if key is None or not (key.api_siret and key.api_uai):
        return False
    erp_configuration_set(organisme=organisme, user=user, mode_de_transmission=ModeTransmission.API, erps=[erp])
    return True


@transaction.atomic
def erp_configuration_reset(*, organisme: Organisme, user) -> None:
    """Forget the configuration ("Réinitialiser ma configuration", §4.5). The key deliberately stays valid."""
    organisme.mode_de_transmission = ""
    organisme.mode_de_transmission_configuration_date = None
    organisme.mode_de_transmission_configuration_author_fullname = ""
    organisme.erp_unsupported = ""
    organisme.erps = []
    organisme.save(
        update_fields=[
            "mode_de_transmission",
            "mode_de_transmission_configuration_date",
            "mode_de_transmission_configuration_author_fullname",
            "erp_unsupported",
            "erps",
            "updated_at",
        ]
    )
    ExchangeKey.objects.filter(organisme=organisme, revoked_at__isnull=True).update(
        api_uai="", api_siret="", api_erp="", api_configuration_date=None
    )
    AuditLog.objects.create(action="erp_configuration_reset", user=user, organisme=organisme, data={})
