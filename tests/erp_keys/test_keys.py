import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from erp_keys.models import Erp, ExchangeKey, RevocationReason
from erp_keys.services import erp_key_authenticate, erp_key_generate, erp_keys_revoke_stale, key_digest
from organismes.models import AuditLog
from tests.factories import OrganismeFactory, UserFactory

UUID4 = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


@pytest.mark.django_db
def test_generated_key_is_a_uuid4_stored_only_as_a_digest():
    organisme = OrganismeFactory()
    user = UserFactory(organisation__organisme=organisme)

    key = erp_key_generate(organisme=organisme, user=user)

    assert re.match(UUID4, key)
    stored = ExchangeKey.objects.get()
    assert stored.digest == key_digest(key) and stored.hint == key[:5]
    assert erp_key_authenticate(key).organisme == organisme
    assert AuditLog.objects.filter(action="erp_key_generated", organisme=organisme, user=user).count() == 1


@pytest.mark.django_db
def test_no_table_holds_the_clear_key():
    key = erp_key_generate(organisme=OrganismeFactory())
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            for column in columns:
                quoted_table, quoted_column = connection.ops.quote_name(table), connection.ops.quote_name(column)
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quoted_table} WHERE CAST({quoted_column} AS TEXT) LIKE %s",  # noqa: S608
                    [f"%{key}%"],
                )
                assert cursor.fetchone()[0] == 0, f"{table}.{column} contains the key"


@pytest.mark.django_db
def test_regenerating_invalidates_the_previous_key_at_once():
    organisme = OrganismeFactory()
    first = erp_key_generate(organisme=organisme)

    second = erp_key_generate(organisme=organisme)

    assert first != second
    assert erp_key_authenticate(first) is None
    assert erp_key_authenticate(second).organisme == organisme
    assert ExchangeKey.objects.get(digest=key_digest(first)).revoked_reason == RevocationReason.REGENERATED


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "not-a-key", " " + "0" * 36, "x" * 10_000])
def test_unknown_tokens_do_not_authenticate(token):
    erp_key_generate(organisme=OrganismeFactory())
    assert erp_key_authenticate(token) is None


@pytest.mark.django_db
def test_revocation_of_stale_keys_with_a_frozen_clock():
    now = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    with time_machine.travel(now - timedelta(days=800), tick=False):
        recent_transmission = OrganismeFactory()
        old_erp_transmission = OrganismeFactory(last_erp_transmission_date=now - timedelta(days=13 * 30))
        never_used = OrganismeFactory()
        keys = {o.pk: erp_key_generate(organisme=o) for o in (recent_transmission, old_erp_transmission, never_used)}
    recent_transmission.last_transmission_date = now - timedelta(days=30)
    recent_transmission.save()
    with time_machine.travel(now - timedelta(days=30), tick=False):
        recently_generated = OrganismeFactory()
        keys[recently_generated.pk] = erp_key_generate(organisme=recently_generated)

    with time_machine.travel(now, tick=False):
        assert erp_keys_revoke_stale(dry_run=True).revoked == 2
        assert ExchangeKey.objects.filter(revoked_at__isnull=True).count() == 4
        result = erp_keys_revoke_stale()
        again = erp_keys_revoke_stale()

    assert (result.revoked, again.revoked) == (2, 0)
    assert erp_key_authenticate(keys[recent_transmission.pk])
    assert erp_key_authenticate(keys[recently_generated.pk])
    for organisme in (old_erp_transmission, never_used):
        assert erp_key_authenticate(keys[organisme.pk]) is None
        revoked = ExchangeKey.objects.get(organisme=organisme)
        assert revoked.revoked_reason == RevocationReason.INACTIVE_12_MONTHS and revoked.revoked_at == now
    assert AuditLog.objects.filter(action="erp_key_revoked").count() == 2


@pytest.mark.django_db
def test_revocation_limit():
    with time_machine.travel(datetime(2020, 1, 1, tzinfo=UTC), tick=False):
        for _ in range(3):
            erp_key_generate(organisme=OrganismeFactory())
    assert erp_keys_revoke_stale(limit=1).revoked == 1
    assert ExchangeKey.objects.filter(revoked_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_erp_key_create_command_prints_a_working_key():
    organisme = OrganismeFactory(uai="0802004U", siret="77937827200016")
    out = StringIO()

    call_command("erp_key_create", "--uai", "0802004U", "--siret", "77937827200016", stdout=out, stderr=StringIO())

    assert erp_key_authenticate(out.getvalue().strip()).organisme == organisme
    with pytest.raises(CommandError, match="Aucun organisme avec l'UAI 9999999Z"):
        call_command("erp_key_create", "--uai", "9999999Z", "--siret", "77937827200016")


@pytest.mark.django_db
def test_erp_catalogue_is_seeded_in_the_display_order():
    assert list(Erp.objects.values_list("name", flat=True)) == [
        "Ypareo",
        "Gesti",
        "SC Form",
        "FCA Manager",
        "Aimaira",
        "Cactus",
        "MyClic",
        "Gescicca",
        "Formasup",
        "Formasup HDF",
        "Charlemagne",
        "Ammon",
        "OFA-Link",
        "Filiz",
        "Hyperplanning",
    ]
    assert Erp.objects.get(unique_id="ymag").api_v3 and not Erp.objects.get(unique_id="fcamanager").api_v3
