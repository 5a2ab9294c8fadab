"""Logging hygiene: personal data of the learners (minors) never reaches the logs (issue 11).

:class:`PersonalDataFilter` is installed on every handler of ``settings.LOGGING``. For each record it

* replaces the **message of every exception** (``exc_info``, its causes and contexts, exceptions handed as arguments,
  their ``repr`` quoted in a message such as Celery's "Task … raised unexpected: DataError('…')") by
  ``[message masqué]``: such messages echo data (PostgreSQL's "DETAIL: Failing row contains (…)", ``int('…')``,
  a template's context…). The traceback's frames and the exception's class stay, which is what a diagnosis needs
  together with the ids the log call gives (lot, import);
* masks the values of personal keys (``nom_apprenant``, ``email``…) in dicts and in text (``'nom': 'X'``,
  ``nom=X``), query-string values, and what a pattern recognises: NIR, e-mail addresses, phone numbers, INE;
* does the same in every ``extra`` attribute (``str``, ``dict``, ``list``), so that a formatter printing them
  writes nothing more.

Names cannot be recognised by a pattern: log calls must never be handed a record, a payload, a row or a name in
the first place (static check in ``tests/test_logs_personal_data.py``).

``tdba/celery.py`` connects :func:`keep_django_logging` to Celery's ``setup_logging`` signal: without a receiver,
``celery worker`` and ``celery beat`` replace the root handlers by their own, without this filter, and Celery's
failure log quotes the exception's message.
"""

import logging
import logging.config
import re
import traceback
from collections.abc import Mapping

PLACEHOLDER = "[masqué]"
EXCEPTION_PLACEHOLDER = "[message masqué]"
FILTER_FAILED = "[enregistrement masqué : erreur du filtre des données personnelles]"

# Keys whose value is personal data: v3 records (api-v3.md), effectifs, accounts and forms.
PERSONAL_KEYS = frozenset(
    {
        # v3 records and Excel rows.
        *("nom_apprenant", "prenom_apprenant", "nir_apprenant", "date_de_naissance_apprenant", "ine_apprenant"),
        *("sexe_apprenant", "email_contact", "tel_apprenant", "adresse_apprenant", "code_postal_apprenant"),
        *("code_commune_insee_apprenant", "code_postal_de_naissance_apprenant", "rqth_apprenant"),
        *("code_commune_insee_de_naissance_apprenant", "date_rqth_apprenant", "responsable_apprenant_mail1"),
        *("responsable_apprenant_mail2", "nom_referent_handicap_formation", "prenom_referent_handicap_formation"),
        *("email_referent_handicap_formation", "id_erp_apprenant"),
        # Effectifs.
        *("nom", "prenom", "date_de_naissance", "ine", "nir", "courriel", "telephone", "adresse_complete"),
        *("code_postal_naissance", "code_insee_naissance", "responsable_mail1", "responsable_mail2"),
        *("referent_handicap",),
        # Accounts, invitations and forms.
        *("email", "login", "first_name", "last_name", "password", "password1", "password2", "old_password"),
        *("new_password1", "new_password2", "fonction"),
    }
)

_KEYS = "|".join(sorted(map(re.escape, PERSONAL_KEYS), key=len, reverse=True))
# 'key': 'value' / "key": "value" (reprs and JSON), key=value (query strings, kwargs reprs).
# A list's first value too: a QueryDict (request.POST) prints as {'nom': ['X']}.
_KEYED_QUOTED_RE = re.compile(
    rf"""(?P<key>["']?\b(?:{_KEYS})\b["']?\s*[:=]\s*\[?\s*)(?P<q>["'])(?:\\.|(?!(?P=q)).)*(?P=q)"""
)
_KEYED_BARE_RE = re.compile(rf"""(?P<key>["']?\b(?:{_KEYS})\b["']?\s*[:=]\s*)(?![\s"'\[{{(])[^\s,;&}}\])]+""")
_QUERY_VALUE_RE = re.compile(r"(?P<key>[?&][^=&\s#\"'/?]+=)[^&\s#\"']+")
_SEP = r"[ .]?"
_NIR_RE = re.compile(
    rf"(?<![\w-])[1-478]{_SEP}\d{{2}}{_SEP}\d{{2}}{_SEP}(?:\d{{2}}|2[AB]){_SEP}\d{{3}}{_SEP}\d{{3}}(?:{_SEP}\d{{2}})?(?![\w-])",
    re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_RE = re.compile(
    r"(?<![\w+-])(?:(?:\+|00)\d{2,3}[ .-]?(?:\(0\)[ .-]?)?|0)[1-9](?:[ .-]?\d{2}){4}(?![\w-])"
    r"|(?<![\w+-])\+\d(?:[ .-]?\d){7,14}(?![\w-])"
)
_INE_RE = re.compile(r"(?<![\w-])\d{4}[0-9A-Z]{6}[A-Z](?![\w-])")


def scrub_text(text: str, secrets: tuple[tuple[str, str], ...] = (), *, keyed: bool = True) -> str:
    """`text` with the exception texts of `secrets` ((text, replacement) pairs) and every recognisable personal
    value masked.

    `keyed`: also the values of personal keys and of query strings (not in a traceback's source lines, which are
    code: ``email=data["email"]`` is not data).
    """
    for secret, replacement in secrets:
        if secret in text:
            text = text.replace(secret, replacement)
    if keyed:
        text = _KEYED_QUOTED_RE.sub(rf"\g<key>\g<q>{PLACEHOLDER}\g<q>", text)
        text = _KEYED_BARE_RE.sub(rf"\g<key>{PLACEHOLDER}", text)
        text = _QUERY_VALUE_RE.sub(rf"\g<key>{PLACEHOLDER}", text)
    text = _EMAIL_RE.sub(PLACEHOLDER, text)
    text = _NIR_RE.sub(PLACEHOLDER, text)
    text = _INE_RE.sub(PLACEHOLDER, text)
    return _PHONE_RE.sub(PLACEHOLDER, text)


def _exception_chain(error: BaseException | None) -> list[BaseException]:
    chain, seen = [], set()
    stack = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        chain.append(current)
        stack += [current.__cause__, current.__context__, *getattr(current, "exceptions", ())]
    return chain


def _safe(function, value) -> str:
    try:
        return function(value)
    except Exception:  # a broken __str__/__repr__ must not break logging
        return ""


def _secrets(errors: list[BaseException]) -> tuple[tuple[str, str], ...]:
    """(text, replacement) for the texts of `errors` (reprs, messages, string arguments, notes), longest first.

    A repr becomes ``Class([message masqué])``, so that a message quoting it (Celery's "raised unexpected: …")
    keeps the class. Texts shorter than 4 characters are left alone (they would mask unrelated text).
    """
    pairs: dict[str, str] = {}
    for error in errors:
        texts = [_safe(str, error)]
        texts += [arg for arg in getattr(error, "args", ()) if isinstance(arg, str)]
        texts += [note for note in getattr(error, "__notes__", ()) or () if isinstance(note, str)]
        for text in texts:
            pairs.setdefault(text, EXCEPTION_PLACEHOLDER)
        pairs[_safe(repr, error)] = _masked_exception(error)
    return tuple(sorted(((t, r) for t, r in pairs.items() if len(t.strip()) >= 4), key=lambda p: -len(p[0])))


def format_exception(exc_info, secrets: tuple[tuple[str, str], ...] = ()) -> str:
    """The traceback of `exc_info` (frames and classes of the whole chain), every exception's message masked."""
    te = traceback.TracebackException(*exc_info, capture_locals=False)
    stack, seen = [te], set()
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current._str = EXCEPTION_PLACEHOLDER if getattr(current, "_str", "") else ""
        current.__notes__ = None
        if current.exc_type is not None and issubclass(current.exc_type, SyntaxError):
            current.msg, current.text = EXCEPTION_PLACEHOLDER, None  # the offending "source" may be data
        stack += [current.__cause__, current.__context__, *(getattr(current, "exceptions", None) or ())]
    text = "".join(te.format()).rstrip("\n")
    return scrub_text(text, secrets, keyed=False)


def _masked_exception(error: BaseException) -> str:
    return f"{type(error).__name__}({EXCEPTION_PLACEHOLDER})"


def scrub_value(value, secrets: tuple[tuple[str, str], ...] = (), depth: int = 0):
    """A copy of `value` with personal keys' values, exceptions and recognisable data masked."""
    if depth > 8:
        return PLACEHOLDER
    if isinstance(value, BaseException):
        return _masked_exception(value)
    if isinstance(value, str):
        return scrub_text(value, secrets)
    if isinstance(value, Mapping):
        return {
            key: PLACEHOLDER if isinstance(key, str) and key in PERSONAL_KEYS else scrub_value(v, secrets, depth + 1)
            for key, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [scrub_value(v, secrets, depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    return value


_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_DONE = "_tdba_personal_data_masked"


class PersonalDataFilter(logging.Filter):
    """Masks personal data in a record (message, exception, extras), in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _DONE, False):
            return True
        try:
            self._mask(record)
        except Exception:  # a filter must never break the caller nor, failing, let the raw record through
            record.msg, record.args = f"{FILTER_FAILED} ({record.name}, {record.pathname}:{record.lineno})", ()
            record.exc_info = record.exc_text = record.stack_info = None
            for key in [k for k in vars(record) if k not in _STANDARD_ATTRIBUTES]:
                delattr(record, key)
        setattr(record, _DONE, True)
        return True

    @staticmethod
    def _mask(record: logging.LogRecord) -> None:
        error = record.exc_info[1] if isinstance(record.exc_info, tuple) else None
        errors = _exception_chain(error)
        for argument in record.args.values() if isinstance(record.args, Mapping) else record.args or ():
            if isinstance(argument, BaseException):
                errors += _exception_chain(argument)
        if isinstance(record.msg, BaseException):
            errors += _exception_chain(record.msg)
        secrets = _secrets(errors)

        msg = _masked_exception(record.msg) if isinstance(record.msg, BaseException) else record.msg
        msg = _safe(str, scrub_value(msg, secrets)) if not isinstance(msg, str) else msg
        args = scrub_value(record.args, secrets) if record.args else record.args
        try:
            message = msg % args if args else msg
        except Exception:  # what logging would report as a formatting error; _safe: a broken __str__ too
            message = f"{msg} {_safe(repr, args)}"
        record.msg, record.args = scrub_text(message, secrets), ()

        if error is not None:
            record.exc_text = format_exception(record.exc_info, secrets)
        elif record.exc_text:
            record.exc_text = scrub_text(record.exc_text, secrets, keyed=False)
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info, secrets, keyed=False)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRIBUTES:
                setattr(record, key, scrub_value(value, secrets))


def keep_django_logging(**kwargs) -> None:
    """Celery's ``setup_logging``: keep the configuration of ``settings.LOGGING`` (its filters) in workers and beat.

    Django has configured logging already when Celery sets it up (the Django fix-up calls ``django.setup()`` first);
    if not, it is applied here.
    """
    root = logging.getLogger()
    if any(isinstance(f, PersonalDataFilter) for handler in root.handlers for f in handler.filters):
        return
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
