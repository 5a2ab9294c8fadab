"""The database goes away: a clear 503 and nothing half-written (issue "Hardening", faults).

The outage is real, not mocked: on PostgreSQL the test database stops accepting connections
(ALTER DATABASE … ALLOW_CONNECTIONS false, which applies to superusers too); on SQLite its file is moved away.
"""

from contextlib import contextmanager
from html import unescape
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test import Client
from psycopg import sql

from effectifs.models import Effectif
from erp_keys.services import erp_key_generate
from tests.factories import OrganismeFactory, UserFactory
from tests.transmissions.conftest import FORMATEUR, RESPONSABLE, dossier
from transmissions.models import Lot, QueueItem

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def client():
    # Like a real server: the error handler answers instead of the exception reaching the test.
    return Client(raise_request_exception=False)


@contextmanager
def database_unreachable():
    settings = connection.settings_dict
    connection.close()
    if connection.vendor == "postgresql":
        admin = psycopg.connect(
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        )
        database = sql.Identifier(settings["NAME"])
        admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(database))
        try:
            yield
        finally:
            connection.close()
            admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(database))
            admin.close()
    else:
        # A new connection opens an empty database in place of the moved file: every query fails.
        files = [Path(f"{settings['NAME']}{suffix}") for suffix in ("", "-wal", "-shm")]
        moved = [(f, f.with_name(f.name + ".hors-service")) for f in files if f.exists()]
        for original, away in moved:
            original.rename(away)
        try:
            yield
        finally:
            connection.close()
            for f in files:
                f.unlink(missing_ok=True)
            for original, away in moved:
                away.rename(original)


def test_api_answers_503_and_stores_nothing(client):
    formateur = OrganismeFactory(**FORMATEUR)
    OrganismeFactory(**RESPONSABLE)
    key = erp_key_generate(organisme=formateur)

    with database_unreachable():
        response = client.post(
            "/api/v3/dossiers-apprenants",
            [dossier()],
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )

    assert response.status_code == 503
    assert response.json()["error"] == "Service Unavailable"
    assert "momentanément indisponible" in response.json()["message"]
    assert response["Retry-After"] == "60"
    assert (Lot.objects.count(), QueueItem.objects.count(), Effectif.objects.count()) == (0, 0, 0)

    # Back up: the same batch is accepted.
    ok = client.post(
        "/api/v3/dossiers-apprenants", [dossier()], content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert ok.status_code == 200 and QueueItem.objects.count() == 1


def test_pages_answer_a_french_503(client):
    client.force_login(UserFactory())

    with database_unreachable():
        response = client.get("/tableau-de-bord/")

    assert response.status_code == 503
    html = unescape(response.content.decode())
    assert "Service momentanément indisponible" in html and "Rien n'a été enregistré" in html
