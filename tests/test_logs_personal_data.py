"""Personal data never reaches the logs (issue 11: "NIR, names in error reports").

The records hold personal data of minors. This file checks, in the normal test suite, that none of it is written to
the logs, in three ways:

1. **The paths, driven for real** with distinctive sentinel values (names, NIR, e-mail, phone, birth date, INE,
   address): API POSTs valid and invalid, the worker's processing, the Excel import, sign-up and login forms, 500s
   raised while the request holds such data (the exception's message carrying it, as a PostgreSQL error's DETAIL
   does), Celery task failures in-process and in a real worker process. The ``journal`` fixture captures
   everything logged at DEBUG level: the text the configured handlers actually write (their streams are swapped for
   a buffer), a strict rendering of every record (message, traceback and every ``extra``) after the filters of the
   configured handlers, and the error e-mails Django would send to ``ADMINS``. No sentinel may appear, case
   insensitively, with or without separators (``1 84 12…`` as ``18412…``).
2. **The configuration**: every handler of every logger carries ``tdba.logging.PersonalDataFilter`` (patterns:
   NIR, e-mails, phones, INE, values of personal keys, query-string values; exception messages replaced by their
   class), no handler e-mails error reports, and the Celery worker keeps this configuration.
3. **A static check** (``ast``) of every module of the project: no log call (``logger.*``, ``logging.*``,
   ``print``) passes an expression referring to a payload, a record, a row, a request body, a name, a NIR, an
   e-mail… nor an exception caught by ``except … as`` (its message may echo data): names cannot be recognised by a
   pattern, so they must never be handed to a logger in the first place.
"""

import ast
import io
import logging
import re
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, OperationalError, connection
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from effectifs.models import Effectif
from tests.factories import OrganismeFactory, UserFactory
from tests.transmissions.conftest import FORMATEUR, RESPONSABLE, dossier
from tests.transmissions.fichiers_import import ligne, xlsx
from tests.transmissions.test_worker_process import Worker
from transmissions import imports
from transmissions.excel import COLUMNS
from transmissions.models import ImportFichier, QueueItem
from transmissions.processing import queue_process_lot
from transmissions.tasks import import_preparer, process_lot

# --------------------------------------------------------------------------------------------------------------------
# Sentinels: values that cannot appear in a log by chance.
# --------------------------------------------------------------------------------------------------------------------

NOM = "Zyxwnomsentinelle"
PRENOM = "Qwvprenomsentinelle"
NIR = "1 84 12 76 451 089 46"  # valid key (97 - 1841276451089 mod 97)
NAISSANCE = "2006-11-29"
EMAIL = "sentinelle.perso@example.org"
TEL = "06 98 76 54 32"
INE = "0987654321K"
ADRESSE = "7 impasse Vwxvoiesentinelle"
MAIL_RESPONSABLE = "parent.sentinelle@example.net"
NOM_REFERENT = "Jkhreferentsentinelle"

SENTINELLES = {
    "nom": [NOM],
    "prenom": [PRENOM],
    "nir": [NIR, "1841276451089", "2 84 12 2A 451 089", "1 84 12 76 451"],
    "date de naissance": [NAISSANCE, "29/11/2006", "2006, 11, 29"],
    "email": [EMAIL, "sentinelle.invalide@", MAIL_RESPONSABLE],
    "telephone": [TEL, "698765432", "06 98 76 54 3"],
    "ine": [INE],
    "adresse": ["Vwxvoiesentinelle"],
    "referent": [NOM_REFERENT],
}


def _compact(text: str) -> str:
    return re.sub(r"[\s.\-/()+,:]", "", text.lower())


def find_leaks(text: str) -> list[str]:
    """The kinds of sentinel found in `text` (case-insensitive, also once separators are removed)."""
    lowered, compact = text.lower(), _compact(text)
    return [
        kind
        for kind, values in SENTINELLES.items()
        if any(value.lower() in lowered or _compact(value) in compact for value in values)
    ]


def record_sentinelle(**overrides) -> dict:
    """A valid v3 record of the fixture couple, every personal field set to a sentinel."""
    values = {
        "nom_apprenant": NOM,
        "prenom_apprenant": PRENOM,
        "nir_apprenant": NIR,
        "date_de_naissance_apprenant": NAISSANCE,
        "email_contact": EMAIL,
        "tel_apprenant": TEL,
        "ine_apprenant": INE,
        "adresse_apprenant": ADRESSE,
        "code_postal_apprenant": "80000",
        "responsable_apprenant_mail1": MAIL_RESPONSABLE,
        "nom_referent_handicap_formation": NOM_REFERENT,
        "prenom_referent_handicap_formation": PRENOM,
        "email_referent_handicap_formation": EMAIL,
    }
    return dossier(**{**values, **overrides})


# --------------------------------------------------------------------------------------------------------------------
# The journal: everything logged while a test runs.
# --------------------------------------------------------------------------------------------------------------------

_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", (), None))) | {
    "message",
    "asctime",
}
ADMIN_EMAIL = "erreurs-admin@tdba.test"


def _loggers() -> list[logging.Logger]:
    return [logging.getLogger()] + [
        logger for logger in list(logging.Logger.manager.loggerDict.values()) if isinstance(logger, logging.Logger)
    ]


def _is_pytest_handler(handler: logging.Handler) -> bool:
    return type(handler).__module__.startswith("_pytest")


def configured_handlers() -> list[tuple[str, logging.Handler]]:
    """(logger name, handler) for every handler installed on any logger (pytest's and NullHandlers excluded)."""
    return [
        (logger.name, handler)
        for logger in _loggers()
        for handler in logger.handlers
        if not _is_pytest_handler(handler) and not isinstance(handler, _StrictHandler | logging.NullHandler)
    ]


class _StrictHandler(logging.Handler):
    """Renders every record as a handler printing everything would: message, traceback, stack and every extra."""

    def __init__(self, filters: list):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        for f in filters:
            self.addFilter(f)

    def emit(self, record: logging.LogRecord) -> None:
        parts = [f"{record.levelname} {record.name} {record.getMessage()}"]
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRIBUTES}
        if extras:
            parts.append(f"extra={extras!r}")
        self.lines.append("\n".join(parts))


class Journal:
    def __init__(self, stream: io.StringIO, strict: _StrictHandler):
        self.stream, self.strict = stream, strict

    def admin_mails(self) -> str:
        """Error reports e-mailed to ADMINS (Django's AdminEmailHandler), if any handler sends them."""
        texts = []
        for message in mail.outbox:
            if ADMIN_EMAIL in message.to:
                texts.append(f"{message.subject}\n{message.body}")
                texts.extend(str(content) for content, _ in getattr(message, "alternatives", []))
        return "\n".join(texts)

    def text(self) -> str:
        return "\n".join([self.stream.getvalue(), *self.strict.lines, self.admin_mails()])

    def assert_clean(self, *expected: str) -> None:
        """No sentinel anywhere; each of `expected` logged (the path was really exercised)."""
        text = self.text()
        leaks = find_leaks(text)
        assert not leaks, f"personal data in the logs ({', '.join(leaks)}):\n{text[-6000:]}"
        for fragment in expected:
            assert fragment in text, f"{fragment!r} was not logged:\n{text[-6000:]}"


@pytest.fixture
def journal(settings):
    """Capture everything logged during the test at DEBUG level (see the module's docstring)."""
    settings.ADMINS = [("Administrateur", ADMIN_EMAIL)]
    stream = io.StringIO()
    root = logging.getLogger()
    filters = []
    for handler in root.handlers:
        if not _is_pytest_handler(handler):
            filters.extend(f for f in handler.filters if f not in filters)
    strict = _StrictHandler(filters)
    swapped, levels, attached = [], [], []
    try:
        for _, handler in configured_handlers():
            if isinstance(handler, logging.StreamHandler) and all(handler is not h for h, _ in swapped):
                swapped.append((handler, handler.setStream(stream)))
        for logger in _loggers():
            levels.append((logger, logger.level))
            if logger.level > logging.DEBUG or logger is root:
                logger.setLevel(logging.DEBUG)
            if logger is root or not logger.propagate:
                logger.addHandler(strict)
                attached.append(logger)
        yield Journal(stream, strict)
    finally:
        for logger in attached:
            logger.removeHandler(strict)
        for logger, level in levels:
            logger.setLevel(level)
        for handler, previous in swapped:
            if previous is not None:
                handler.setStream(previous)


test_logger = logging.getLogger("tests.logs_personal_data")


def test_the_journal_sees_what_is_logged(journal):
    """The harness itself: a name handed to a logger in free text is caught (no pattern can mask a name: this is
    why the static check below forbids it at the source)."""
    test_logger.debug("élève %s", NOM)
    assert find_leaks(journal.text()) == ["nom"]
    assert f"élève {NOM}" in journal.stream.getvalue()  # what the configured console handler wrote


# --------------------------------------------------------------------------------------------------------------------
# The configuration.
# --------------------------------------------------------------------------------------------------------------------


def test_every_configured_handler_filters_personal_data():
    from tdba.logging import PersonalDataFilter

    handlers = configured_handlers()
    assert handlers, "no handler configured"
    unfiltered = [
        f"{name}: {type(handler).__name__}"
        for name, handler in handlers
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters)
    ]
    assert not unfiltered, f"handlers without PersonalDataFilter: {unfiltered}"


def test_no_handler_emails_error_reports():
    """Django's default AdminEmailHandler mails the request (POST data, META) with each 500: not with our data."""
    from django.utils.log import AdminEmailHandler

    assert not [name for name, handler in configured_handlers() if isinstance(handler, AdminEmailHandler)]


def test_the_celery_worker_keeps_the_django_logging():
    """Without a receiver of `setup_logging`, the worker replaces the root handlers by its own, unfiltered."""
    from celery import signals

    from tdba.logging import keep_django_logging

    answers = signals.setup_logging.send(sender=None, loglevel=logging.INFO, logfile=None, format="", colorize=False)
    assert keep_django_logging in [receiver for receiver, _ in answers]
    test_every_configured_handler_filters_personal_data()


# --------------------------------------------------------------------------------------------------------------------
# The filter on free text (through the configured handlers).
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("nir=%s", (NIR,)),
        ("nir=%s", (NIR.replace(" ", ""),)),
        ("courriel %s, responsable %s", (EMAIL, MAIL_RESPONSABLE)),
        ("téléphone %s / %s", (TEL, "+33 6 98 76 54 32")),
        ("ine %s", (INE,)),
        ("dossier reçu %s", (record_sentinelle(),)),
        ("dossier reçu %r", (record_sentinelle(),)),
        ("dossiers %s", ([record_sentinelle(), record_sentinelle()],)),
        ("GET /effectifs/?recherche=%s&nom=%s HTTP/1.1", (NOM, PRENOM)),
        ("profil %(nom)s %(prenom)s %(email)s", ({"nom": NOM, "prenom": PRENOM, "email": EMAIL},)),
        ("formulaire %s", (f"<QueryDict: {{'nom': ['{NOM}'], 'prenom': ['{PRENOM}'], 'telephone': ['{TEL}']}}>",)),
        ("formulaire %s", (QueryDict(f"nom={NOM}&prenom={PRENOM}&email={EMAIL}"),)),
    ],
    ids=[
        *("nir", "nir-compact", "emails", "phones", "ine", "dict-str", "dict-repr", "list", "query-string"),
        *("mapping", "querydict-text", "querydict"),
    ],
)
def test_the_filter_masks_personal_data_in_free_text(journal, message, args):
    test_logger.warning(message, *args)
    journal.assert_clean("[masqué]")


def test_runserver_request_lines_hide_query_values(journal):
    """`django.server` (runserver) logs each request line through its own handler: search terms are masked."""
    logging.getLogger("django.server").info(
        '"%s" %s %s',
        f"GET /effectifs/?recherche={NOM}&email={EMAIL} HTTP/1.1",
        "200",
        "5120",
        extra={"request": None, "server_time": "01/Dec/2026 10:00:00", "status_code": 200},
    )
    journal.assert_clean("GET /effectifs/?recherche=[masqué]&email=[masqué] HTTP/1.1")


class _Unprintable:
    def __str__(self):
        raise RuntimeError(NOM)

    __repr__ = __str__


def test_the_filter_never_breaks_logging(journal):
    test_logger.warning("objet %s", _Unprintable())
    test_logger.warning("%s %s", "trop peu d'arguments")
    test_logger.warning(_Unprintable())
    journal.assert_clean("objet", "trop peu d'arguments")


def test_the_filter_masks_extras_and_exceptions_handed_as_arguments(journal):
    error = ValueError(f"refus de {NOM} {PRENOM}")
    test_logger.warning("échec: %s (%r)", error, error, extra={"payload": record_sentinelle(), "detail": str(error)})
    test_logger.error(error)
    journal.assert_clean("échec: ValueError", "ValueError")


def test_the_filter_masks_exception_messages_in_tracebacks(journal):
    def fails(record):
        raise DataError(f"valeur trop longue\nDETAIL: Failing row contains ({record['nom_apprenant']}, {record})")

    try:
        try:
            fails(record_sentinelle())
        except DataError as exc:
            raise RuntimeError(f"traitement impossible de {exc}") from exc
    except RuntimeError:
        test_logger.exception("échec du traitement du lot %s", 42)
    journal.assert_clean("échec du traitement du lot 42", "DataError", "RuntimeError", "in fails")


# --------------------------------------------------------------------------------------------------------------------
# The paths personal data flows through.
# --------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def formateur(db):
    """The fixture couple of tests/transmissions (formateur 0802004U under responsable 0755805C)."""
    OrganismeFactory(**RESPONSABLE)
    return OrganismeFactory(**FORMATEUR)


@pytest.fixture
def api_key(formateur):
    from erp_keys.services import erp_key_generate

    return erp_key_generate(organisme=formateur)


@pytest.fixture
def api(client, api_key):
    """POST JSON to /api/v3 with the formateur's key (as tests/transmissions/conftest.py's `api`)."""

    def post(path: str = "/api/v3/dossiers-apprenants", data=None, *, key: str = api_key):
        return client.post(path, data=data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")

    return post


def test_api_post_valid_records_then_worker_processing(journal, api, formateur):
    records = [
        record_sentinelle(),
        record_sentinelle(id_erp_apprenant="SENTINELLE-2", nir_apprenant=NIR.replace(" ", "")),
        # Unknown formateur: refused by the worker (organisme not found).
        record_sentinelle(id_erp_apprenant="SENTINELLE-3", etablissement_formateur_uai="0999999Z"),
    ]
    response = api(data=records)
    assert response.status_code == 200
    lot_id = QueueItem.objects.get(public_id=response.json()["data"][0]["_id"]).lot_id

    assert queue_process_lot(lot_id=lot_id) == 3
    assert Effectif.objects.filter(nom=NOM.upper(), organisme=formateur).count() == 2  # names are upper-cased
    assert QueueItem.objects.filter(lot_id=lot_id, has_error=True).count() == 1
    journal.assert_clean()


INVALID_RECORDS = {
    "types": record_sentinelle(nom_apprenant={"nom": NOM}, prenom_apprenant=[PRENOM], date_de_naissance_apprenant=1),
    "nir": record_sentinelle(nir_apprenant=["2 84 12 2A 451 089"], id_erp_apprenant={"nir": "1841276451089"}),
    "email": record_sentinelle(
        email_contact="sentinelle.invalide@", responsable_apprenant_mail1=MAIL_RESPONSABLE + "@"
    ),
    "telephone": record_sentinelle(tel_apprenant="06 98 76 54 3"),
    "date": record_sentinelle(date_de_naissance_apprenant="29/11/2006", date_entree_formation=NOM),
    "manquants": {"nom_apprenant": NOM, "prenom_apprenant": PRENOM, "email_contact": EMAIL, "nir_apprenant": NIR},
}


@pytest.mark.parametrize("path", ["/api/v3/dossiers-apprenants", "/api/v3/dossiers-apprenants/validate"])
@pytest.mark.parametrize("kind", list(INVALID_RECORDS))
def test_api_post_invalid_records(journal, api, path, kind):
    response = api(path, data=[INVALID_RECORDS[kind], record_sentinelle()])
    assert response.status_code == 200
    first = response.json()["data"][0]
    assert first["validation_errors"] or kind == "nir"  # the NIR is never checked, only reduced to has_nir
    journal.assert_clean()


BAD_BODIES = {
    "json-tronque": f'[{{"nom_apprenant": "{NOM}", "nir_apprenant": "{NIR}", "email_contact": "{EMAIL}"'.encode(),
    "nan": f'[{{"nom_apprenant": "{NOM}", "tel_apprenant": "{TEL}", "x": NaN}}]'.encode(),
    "objet": f'{{"nom_apprenant": "{NOM}", "prenom_apprenant": "{PRENOM}"}}'.encode(),
    "trop-profond": ("[" * 40 + f'"{NOM}"' + "]" * 40).encode(),
    "caractere-nul": f'[{{"nom_apprenant": "{NOM}\\u0000", "email_contact": "{EMAIL}"}}]'.encode(),
}


@pytest.mark.parametrize("kind", list(BAD_BODIES))
def test_api_post_bad_bodies(journal, api, kind):
    response = api(data=BAD_BODIES[kind])
    assert response.status_code == 400
    journal.assert_clean("Bad Request: /api/v3/dossiers-apprenants")


def test_api_post_without_a_valid_key(journal, api):
    response = api(data=[record_sentinelle()], key="cle-inconnue")
    assert response.status_code == 403
    journal.assert_clean("Forbidden: /api/v3/dossiers-apprenants")


# ---- 500s while the request holds personal data ---------------------------------------------------------------------


@pytest.fixture
def client_500():
    # Like a real server: the error handler answers instead of the exception reaching the test.
    return Client(raise_request_exception=False)


def _raises_with_the_data(exception_class):
    """A stand-in for transmission_receive failing with an exception message built from the records."""

    def transmission_receive(*, records, **kwargs):
        record = records[0]
        raise exception_class(
            f"value too long for type character varying(100)\nDETAIL: Failing row contains ({record['nom_apprenant']}, "
            f"{record['prenom_apprenant']}, {record['email_contact']}, {record['tel_apprenant']}).\n{records!r}"
        )

    return transmission_receive


@pytest.mark.parametrize(
    ("exception_class", "status", "logged"),
    [
        (DataError, 500, "Internal Server Error: /api/v3/dossiers-apprenants"),
        (ValueError, 500, "Internal Server Error: /api/v3/dossiers-apprenants"),
        (OperationalError, 503, "database unavailable: OperationalError"),
    ],
    ids=["data-error", "value-error", "operational-error"],
)
def test_api_500_with_an_exception_message_built_from_the_records(
    journal, client_500, api_key, monkeypatch, exception_class, status, logged
):
    monkeypatch.setattr("transmissions.api.views.transmission_receive", _raises_with_the_data(exception_class))
    response = client_500.post(
        "/api/v3/dossiers-apprenants",
        [record_sentinelle()],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
    )
    assert response.status_code == status
    journal.assert_clean(logged)


@contextmanager
def refused_by_the_database(model, *, postgresql: str, sqlite: str):
    """A real database error on the rows holding the sentinels, whose message echoes them.

    PostgreSQL: a CHECK constraint; its violation reports "DETAIL: Failing row contains (…)" with every value of
    the row. SQLite never echoes values, so its trigger's message quotes the sentinels itself.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT tdba_logs_sentinelle CHECK (NOT ({postgresql}))")
            drop = f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS tdba_logs_sentinelle"
        else:
            message = f"Failing row contains ({NOM}, {PRENOM}, {EMAIL}, {TEL}, {NAISSANCE})"
            cursor.execute(
                f"CREATE TRIGGER tdba_logs_sentinelle BEFORE INSERT ON {table} WHEN {sqlite} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
            drop = "DROP TRIGGER IF EXISTS tdba_logs_sentinelle"
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(drop)


def refused_effectif():
    return refused_by_the_database(
        Effectif, postgresql=f"upper(nom) = '{NOM.upper()}'", sqlite=f"upper(NEW.nom) = '{NOM.upper()}'"
    )


def refused_queue_item():
    return refused_by_the_database(
        QueueItem,
        postgresql=f"upper(payload->>'nom_apprenant') = '{NOM.upper()}'",
        sqlite=f"upper(json_extract(NEW.payload, '$.nom_apprenant')) = '{NOM.upper()}'",
    )


def test_api_500_on_a_real_database_error_echoing_the_record(journal, client_500, api_key):
    with refused_queue_item():
        response = client_500.post(
            "/api/v3/dossiers-apprenants",
            [record_sentinelle()],
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {api_key}",
        )
    assert response.status_code == 500
    assert not QueueItem.objects.exists()
    journal.assert_clean("Internal Server Error: /api/v3/dossiers-apprenants")
    # Django's IntegrityError, or psycopg's CheckViolation when the items are written with COPY (PostgreSQL).
    assert "IntegrityError: [message masqué]" in journal.text() or "CheckViolation: [message masqué]" in journal.text()


# ---- Celery tasks -----------------------------------------------------------------------------------------------


def _queued_lot(api) -> int:
    response = api(data=[record_sentinelle()])
    assert response.status_code == 200
    return QueueItem.objects.get(public_id=response.json()["data"][0]["_id"]).lot_id


def test_celery_task_failure_on_a_real_database_error(journal, api, formateur):
    lot_id = _queued_lot(api)
    with refused_effectif():
        result = process_lot.apply(args=[lot_id])
    assert result.failed()
    assert not Effectif.objects.exists()
    journal.assert_clean("transmissions.process_lot", "raised unexpected: IntegrityError([message masqué])")


def test_celery_task_failure_with_the_record_in_the_exception(journal, api, formateur, monkeypatch):
    def effectifs_upsert(*, records, now):
        raise ValueError(f"upsert impossible: {records[0]!r} / {records[0]['nom']} {records[0]['courriel']}")

    monkeypatch.setattr("transmissions.processing.effectifs_upsert", effectifs_upsert)
    result = process_lot.apply(args=[_queued_lot(api)])
    assert result.failed()
    journal.assert_clean("transmissions.process_lot", "raised unexpected: ValueError([message masqué])")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_real_celery_worker_failure_on_a_real_database_error(journal, celery_queue, api_key, tmp_path):
    """`celery -A tdba worker` (a real process, its own logging set-up) fails a task on a row holding the
    sentinels; its log (stdout and stderr) must not hold them."""
    worker = Worker(celery_queue, tmp_path / "worker.log")
    with refused_effectif():
        try:
            worker.start()
            response = Client().post(
                "/api/v3/dossiers-apprenants",
                [record_sentinelle()],
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {api_key}",
            )
            assert response.status_code == 200
            deadline = time.monotonic() + 60  # a bound on the wait, not a speed check
            while "raised unexpected" not in worker.log_path.read_text(errors="replace"):
                worker.assert_alive()
                if time.monotonic() > deadline:
                    pytest.fail(f"the task did not fail within 60 s; worker log:\n{worker.log()}")
                time.sleep(0.2)
        finally:
            worker.kill()
    log = worker.log_path.read_text(errors="replace")
    assert "IntegrityError" in log
    leaks = find_leaks(log)
    assert not leaks, f"personal data in the worker's log ({', '.join(leaks)}):\n{log[-6000:]}"
    journal.assert_clean()


# ---- Excel import -----------------------------------------------------------------------------------------------

ALL_KEYS = [column.key for column in COLUMNS]


def ligne_sentinelle(**overrides) -> dict:
    values = {
        "nom_apprenant": NOM,
        "prenom_apprenant": PRENOM,
        "date_de_naissance_apprenant": NAISSANCE,
        "email_contact": EMAIL,
        "tel_apprenant": TEL,
        "ine_apprenant": INE,
        "adresse_apprenant": ADRESSE,
        "responsable_apprenant_mail1": MAIL_RESPONSABLE,
        "nir_apprenant": NIR,
    }
    return ligne(**{**values, **overrides})


LIGNES_EN_ERREUR = [
    ligne_sentinelle(email_contact="sentinelle.invalide@"),
    ligne_sentinelle(date_de_naissance_apprenant="29/11/2006x", tel_apprenant="06 98 76 54 3"),
    ligne_sentinelle(etablissement_formateur_uai="0999999Z", date_entree_formation=PRENOM),
]


@pytest.fixture
def ofa(client, formateur):
    client.force_login(UserFactory(organisation__organisme=formateur))
    return client


def test_excel_import_with_errors_through_the_pages(journal, ofa):
    content = xlsx([ligne_sentinelle(), *LIGNES_EN_ERREUR], keys=[*ALL_KEYS, "nir_apprenant"])
    name = f"effectifs {NOM} {PRENOM}.xlsx"
    response = ofa.post(reverse("televersement"), {"fichier": SimpleUploadedFile(name, content)}, follow=True)
    assert response.status_code == 200
    fichier = ImportFichier.objects.get()
    assert fichier.lignes_en_erreur == 3
    assert ofa.get(reverse("televersement_fichier", args=[fichier.public_id])).status_code == 200
    refused = ofa.post(reverse("televersement_importer", args=[fichier.public_id]), follow=True)
    assert refused.status_code == 200
    journal.assert_clean()


def test_excel_import_validated_then_processed(journal, ofa, formateur):
    response = ofa.post(reverse("televersement"), {"fichier": SimpleUploadedFile("e.xlsx", xlsx([ligne_sentinelle()]))})
    fichier = ImportFichier.objects.get()
    assert fichier.peut_importer, response
    ofa.post(reverse("televersement_importer", args=[fichier.public_id]))
    fichier.refresh_from_db()
    assert fichier.etat == ImportFichier.Etat.IMPORTE
    queue_process_lot(lot_id=fichier.lot_id)
    assert Effectif.objects.filter(nom=NOM.upper(), organisme=formateur).exists()
    journal.assert_clean()


def test_large_excel_import_prepared_by_the_worker_task(journal, formateur):
    rows = [ligne_sentinelle(adresse_apprenant=f"{n} {ADRESSE}") for n in range(1000)] + LIGNES_EN_ERREUR
    content = xlsx(rows)
    assert len(content) > imports.SYNC_MAX_BYTES
    fichier = imports.import_create(
        organisme=formateur, user=UserFactory(organisation__organisme=formateur), filename="e.xlsx", content=content
    )
    assert import_preparer.apply(args=[fichier.pk]).get() == ImportFichier.Etat.PRET
    fichier.refresh_from_db()
    assert fichier.lignes_en_erreur == 3
    journal.assert_clean("transmissions.import_preparer")


def test_excel_import_task_failure_with_rows_in_the_exception(journal, formateur, monkeypatch):
    content = xlsx([ligne_sentinelle(adresse_apprenant=f"{n} {ADRESSE}") for n in range(1000)])
    assert len(content) > imports.SYNC_MAX_BYTES
    fichier = imports.import_create(
        organisme=formateur, user=UserFactory(organisation__organisme=formateur), filename="e.xlsx", content=content
    )

    def check_rows(items):
        raise KeyError(f"ligne illisible: {items[0]}")

    monkeypatch.setattr(imports, "check_rows", check_rows)
    assert import_preparer.apply(args=[fichier.pk]).failed()
    journal.assert_clean("transmissions.import_preparer", "raised unexpected: KeyError([message masqué])")


# ---- Sign-up and login ------------------------------------------------------------------------------------------

PASSWORD = "Motdepasse-solide-123"


def profil_sentinelle(**overrides) -> dict:
    data = {
        "email": EMAIL,
        "civilite": "Madame",
        "nom": NOM,
        "prenom": PRENOM,
        "fonction": "Responsable administratif",
        "telephone": TEL,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "cgu": "on",
        "accepte_contact": "on",
    }
    data.update(overrides)
    return data


def _choose_organisme(client) -> None:
    organisme = OrganismeFactory(**FORMATEUR)
    response = client.post(reverse("inscription_organisme_formation"), {"organisme": str(organisme.public_id)})
    assert response.url == reverse("inscription_profil")


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "sentinelle.invalide@"},
        {"password2": "Autre-mot-de-passe-123", "telephone": "06 98 76 54 3"},
        {"password1": NOM, "password2": NOM},
        {"nom": "", "prenom": PRENOM * 10},
    ],
    ids=["email", "mots-de-passe", "mot-de-passe-faible", "nom-manquant"],
)
def test_sign_up_form_errors(journal, client, db, overrides):
    _choose_organisme(client)
    response = client.post(reverse("inscription_profil"), profil_sentinelle(**overrides))
    assert response.status_code == 200 and response.context["form"].errors
    journal.assert_clean()


def test_sign_up_success(journal, client, db):
    _choose_organisme(client)
    response = client.post(reverse("inscription_profil"), profil_sentinelle())
    assert response.status_code == 302
    journal.assert_clean()


def test_sign_up_500_with_the_profile_in_the_exception(journal, client_500, db, monkeypatch):
    def user_signup(**kwargs):
        raise RuntimeError(f"création impossible pour {kwargs['prenom']} {kwargs['nom']} <{kwargs['email']}>: {kwargs}")

    monkeypatch.setattr("organismes.services.user_signup", user_signup)
    _choose_organisme(client_500)
    response = client_500.post(reverse("inscription_profil"), profil_sentinelle())
    assert response.status_code == 500
    journal.assert_clean("Internal Server Error: /inscription/profil/", "RuntimeError")


def test_login_failures_up_to_the_rate_limit(journal, client, db):
    UserFactory(email=EMAIL, nom=NOM, prenom=PRENOM)
    for _ in range(7):
        response = client.post(reverse("account_login"), {"login": EMAIL, "password": f"{NOM}-faux"})
        assert not response.wsgi_request.user.is_authenticated
    journal.assert_clean()


# --------------------------------------------------------------------------------------------------------------------
# Static check: no log call is handed personal data.
# --------------------------------------------------------------------------------------------------------------------

PACKAGES = ("organismes", "effectifs", "transmissions", "erp_keys", "tdba")
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
LOGGER_NAMES = frozenset({"logger", "log", "logging", "_logger", "_log", "LOGGER", "LOG"})
# Identifiers (split on "_") naming personal data or what carries it.
PERSONAL_TOKENS = frozenset(
    {
        *("payload", "payloads", "record", "records", "dossier", "dossiers", "row", "rows", "ligne", "lignes"),
        *("validated", "normalized", "stored", "cleaned", "body", "nom", "prenom", "nir", "ine", "naissance"),
        *("email", "emails", "courriel", "mail", "tel", "telephone", "adresse", "password"),
        *("effectif", "effectifs", "apprenant", "apprenants"),
    }
)
# Attributes of a request (or a form) holding what was sent.
REQUEST_DATA_ATTRIBUTES = frozenset({"body", "POST", "GET", "FILES", "data", "cleaned_data", "META", "COOKIES"})
# Keys of a record whose value is personal (a subscript or .get() with one of them is personal data).
PERSONAL_KEYS = frozenset(
    {
        *("nom_apprenant", "prenom_apprenant", "nir_apprenant", "date_de_naissance_apprenant", "ine_apprenant"),
        *("email_contact", "tel_apprenant", "adresse_apprenant", "responsable_apprenant_mail1"),
        *("responsable_apprenant_mail2", "nom_referent_handicap_formation", "prenom_referent_handicap_formation"),
        *("email_referent_handicap_formation", "nom", "prenom", "email", "courriel", "telephone", "nir"),
    }
)
# Wrappers that log a property of their argument, never its content.
SAFE_CALLS = frozenset({"len", "type", "bool", "isinstance", "id"})
SAFE_ATTRIBUTES = frozenset({"pk", "id", "public_id", "lot_id", "organisme_id", "__name__", "__class__", "count"})

# "path::source of the call" -> why it is fine. Empty today: every current log call passes the rule.
ALLOWED: dict[str, str] = {}


def _tokens(identifier: str) -> set[str]:
    return {token.lower() for token in identifier.split("_") if token}


def _is_log_call(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    if not isinstance(func, ast.Attribute) or func.attr not in LOG_METHODS:
        return False
    target = func.value
    if isinstance(target, ast.Name):
        return target.id in LOGGER_NAMES or target.id.lower().endswith("logger")
    if isinstance(target, ast.Attribute):
        return target.attr.lower().endswith("logger")
    if isinstance(target, ast.Call):  # logging.getLogger(...).info(...)
        return isinstance(target.func, ast.Attribute) and target.func.attr == "getLogger"
    return False


class _ArgumentChecker(ast.NodeVisitor):
    def __init__(self, caught: set[str]):
        self.caught, self.problems = caught, []

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in SAFE_CALLS:
            return
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
            key = node.args[0]
            if isinstance(key, ast.Constant) and key.value in PERSONAL_KEYS:
                self.problems.append(f".get({key.value!r})")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in SAFE_ATTRIBUTES:
            return
        base = node.value
        if node.attr in REQUEST_DATA_ATTRIBUTES and (
            (isinstance(base, ast.Name) and base.id in {"request", "form"})
            or (isinstance(base, ast.Attribute) and base.attr in {"request", "form"})
        ):
            self.problems.append(f"request/form .{node.attr}")
        if _tokens(node.attr) & PERSONAL_TOKENS:
            self.problems.append(f".{node.attr}")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice
        if isinstance(key, ast.Constant) and key.value in PERSONAL_KEYS:
            self.problems.append(f"[{key.value!r}]")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if _tokens(node.id) & PERSONAL_TOKENS:
            self.problems.append(node.id)
        elif node.id in self.caught:
            self.problems.append(f"{node.id} (exception caught by `except … as`: its message may hold data)")


def _caught_names(function: ast.AST) -> set[str]:
    return {node.name for node in ast.walk(function) if isinstance(node, ast.ExceptHandler) and node.name}


def check_source(source: str, path: str = "<source>") -> list[str]:
    """The log calls of `source` that may hand personal data to a logger: 'path:line: source — why'."""
    tree = ast.parse(source)
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))]
    # Each call is checked within its innermost function (names caught by `except … as` there).
    owner: dict[int, ast.AST] = {}
    for scope in scopes:
        for node in ast.walk(scope):
            if isinstance(node, ast.Call):
                owner[id(node)] = scope
    violations = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not _is_log_call(node):
            continue
        checker = _ArgumentChecker(_caught_names(owner[id(node)]))
        arguments = node.args[1:] if isinstance(node.func, ast.Attribute) and node.func.attr == "log" else node.args
        for argument in [*arguments, *(keyword.value for keyword in node.keywords if keyword.arg != "exc_info")]:
            checker.visit(argument)
        segment = ast.get_source_segment(source, node) or ""
        if checker.problems and f"{path}::{segment}" not in ALLOWED:
            violations.append(f"{path}:{node.lineno}: {segment} — {', '.join(dict.fromkeys(checker.problems))}")
    return violations


def log_calls(source: str) -> list[str]:
    return [
        ast.get_source_segment(source, node) or ""
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and _is_log_call(node)
    ]


def project_modules() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return sorted(path for package in PACKAGES for path in (base / package).rglob("*.py"))


def test_no_log_call_is_handed_personal_data():
    modules = project_modules()
    assert len(modules) > 50
    base = Path(settings.BASE_DIR)
    violations = []
    for path in modules:
        violations += check_source(path.read_text(encoding="utf-8"), str(path.relative_to(base)))
    assert not violations, "log calls that may write personal data:\n" + "\n".join(violations)


def test_the_static_check_sees_the_current_log_calls():
    """Not vacuous: the log calls of the project are found (today: rate limiter and 503 handler)."""
    calls = [call for path in project_modules() for call in log_calls(path.read_text(encoding="utf-8"))]
    assert any('"database unavailable: %s", type(error).__name__' in call for call in calls), calls
    assert any("rate limit exceeded" in call for call in calls), calls


@pytest.mark.parametrize(
    "source",
    [
        'logger.info("reçu %s", payload)',
        'logger.warning("dossier %s", record["nom_apprenant"])',
        'logger.error(f"échec {dossier}")',
        'logger.debug("ligne %s", row.values)',
        'logging.warning("corps: %s", request.body)',
        'logger.info("formulaire %s", request.POST)',
        'logger.info("profil %s", form.cleaned_data)',
        'logger.info("élève %s %s", nom, prenom)',
        'logger.info("nir %s", item.nir_apprenant)',
        'logger.info("valide %s", validation.normalized)',
        'logger.info("%s", data.get("email_contact"))',
        'logger.info("user %s", user.email)',
        'logger.log(logging.INFO, "x %s", records)',
        'logger.info("x", extra={"payload": payload})',
        "print(record)",
        'logging.getLogger(__name__).info("%s", rows)',
        'self.logger.info("%s", validated)',
        "try:\n    pass\nexcept Exception as exc:\n    logger.warning('échec: %s', exc)",
        "try:\n    pass\nexcept Exception as exc:\n    logger.exception(f'échec: {exc}')",
    ],
)
def test_the_static_check_rejects(source):
    assert check_source(source)


@pytest.mark.parametrize(
    "source",
    [
        'logger.warning("database unavailable: %s", type(error).__name__)',
        'logger.info("rate limit exceeded (shadow mode) tier=%s", tier)',
        'logger.warning("rate limiter unavailable for tier %s", tier, exc_info=True)',
        'logger.info("lot %s: %d dossiers", lot.pk, len(records))',
        'logger.info("dossier %s", item.public_id)',
        'logger.info("lot %s", record.lot_id)',
        "try:\n    pass\nexcept Exception as exc:\n    logger.exception('lot %s: %s', lot, type(exc).__name__)",
        "try:\n    pass\nexcept Exception as exc:\n    logger.error('échec', exc_info=exc)",
        'logger.info("champ nom_apprenant manquant")',
        'messages.error(request, f"Erreur pour {nom}")',
    ],
)
def test_the_static_check_accepts(source):
    assert not check_source(source)
