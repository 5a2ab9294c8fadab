"""/api/v3/dossiers-apprenants: what ERPs call every night, unchanged from the real service (api-v3.md §1).

Authentication, limits and answers reproduce the reference exactly (status codes, envelopes and French
messages, typos included) so that real ERPs can point at TDBA without a change.
"""

import json
import math
import re
import uuid
from datetime import datetime

import orjson
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from erp_keys.services import erp_key_authenticate, erp_key_mark_used
from organismes import ratelimit
from tdba.jsonfast import dumps_bytes
from transmissions.api import schema as doc
from transmissions.models import QueueItem, Source
from transmissions.services import ReceivedItem, transmission_receive
from transmissions.validation import validate_dossier

MISSING_KEY = "Clé API manquante"
NOT_BEARER = "La clé API doit etre au format Bearer"  # sic: the reference's typo, which ERPs may match on
INVALID_KEY = "La clé API n'est pas valide"


# Bad-input hardening (issue 11, tests/bad_inputs/). A record is a flat object: its values are scalars, at most a
# short list. Python's json module accepts what the reference's JSON.parse refuses (NaN, Infinity), turns 1e400
# into an infinity and a 5,000-digit integer into a ValueError, and lets lone UTF-16 surrogates through (escaped,
# or even as raw UTF-8 bytes); values nested a few hundred levels deep overflow the validator's and the encoder's
# recursion. None of these can be stored (PostgreSQL's jsonb refuses NaN, \u0000 and lone surrogates, SQLite's
# JSON_VALID refuses NaN) nor answered in JSON: the whole batch is refused with a 400 before anything is stored.
MAX_JSON_DEPTH = 32
MAX_INT_DIGITS = 4000  # Python refuses to parse more than 4300 digits (sys.get_int_max_str_digits)
MESSAGE_NUMBER = "Le corps de la requête contient un nombre non représentable (NaN, Infinity ou hors limites)."
MESSAGE_TOO_DEEP = "Le corps de la requête est trop profondément imbriqué."
MESSAGE_FORBIDDEN_CHARACTER = (
    "Le corps de la requête contient un caractère interdit (caractère nul U+0000 ou demi-paire UTF-16 isolée)."
)
# Cheap pre-check on the raw body; only a match leads to the walk over every string. Two patterns, each starting
# with a literal that the regex engine looks for as a substring: one alternation scanned the body 6 × slower.
_SUSPECT_ESCAPE_RES = (re.compile(rb"\\u(?:0000|[dD][89a-fA-F])"), re.compile(rb"\xed[\xa0-\xbf]"))
_FORBIDDEN_CHARACTER_RE = re.compile(r"[\x00\ud800-\udfff]")


class _BadNumber(ValueError):
    pass


def _parse_constant(name: str):
    raise _BadNumber(name)


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _BadNumber(text)
    return value


def _parse_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise _BadNumber(text)
    return int(text)


# The types of a flat record's values: most batches hold only those (checked in C by frozenset.issuperset).
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


# What orjson gives exactly as the standard library does: it reads an integer beyond 64 bits as a float (the
# standard library keeps it whole), and floats are not looked at, so a record holding one takes the slow path.
_EXACT_SCALAR_TYPES = frozenset({str, int, bool, type(None)})


def _parse_body(body: bytes) -> tuple[object, bool]:
    """The decoded body, and True when it is an array of flat records (depth 2, nothing to walk).

    The usual batch, an array of records holding strings, integers, booleans and nulls, is read by orjson, twice as
    fast as the standard library (docs/performance.md). Anything else, and everything orjson refuses (NaN, lone
    surrogates, a byte order mark, UTF-16, bad JSON…), is read by the standard library as before, which decides with
    the same errors and values.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    else:
        exact = _EXACT_SCALAR_TYPES.issuperset
        if type(data) is list and all(type(item) is dict and exact(map(type, item.values())) for item in data):
            return data, True
    data = json.loads(body or b"{}", parse_constant=_parse_constant, parse_float=_parse_float, parse_int=_parse_int)
    return data, False


def _too_deep(data) -> bool:
    """True if arrays and objects nest more than MAX_JSON_DEPTH levels (iterative: no recursion to overflow)."""
    if type(data) not in (list, dict):
        return False
    if type(data) is list:
        # The usual batch, an array of flat records, is depth 2: only the records holding a list or an object
        # are walked (walking every value of 2,000 records cost ~10 % of the answer time).
        scalars = _SCALAR_TYPES.issuperset
        stack = []
        for record in data:
            if type(record) is dict:
                if not scalars(map(type, record.values())):
                    stack.append((record, 2))
            elif type(record) is list:
                stack.append((record, 2))
    else:
        stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        for child in value.values() if type(value) is dict else value:
            if type(child) in (list, dict):
                if depth >= MAX_JSON_DEPTH:
                    return True
                stack.append((child, depth + 1))
    return False


def _has_forbidden_character(data) -> bool:
    """True if a string (value or key) holds U+0000 or a lone surrogate."""
    stack = [data]
    while stack:
        value = stack.pop()
        if type(value) is str:
            if _FORBIDDEN_CHARACTER_RE.search(value):
                return True
        elif type(value) is dict:
            stack.extend(value.keys())
            stack.extend(value.values())
        elif type(value) is list:
            stack.extend(value)
    return False


def _iso(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def error(status: int, reason: str, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": reason, "message": message, **extra}, status=status)


def validation_error(details: list) -> JsonResponse:
    return error(400, "Bad Request", "Erreur de validation", details=details)


@method_decorator([csrf_exempt, login_not_required], name="dispatch")
class ErpApiView(APIView):
    """Base: the reference's middleware chain — pre-auth IP limit, Bearer key, per-organisme limit."""

    authentication_classes: list = []
    permission_classes: list = []
    parser_classes: list = []
    schema = doc.ErpApiSchema()  # OpenAPI only: tag and Bearer security scheme

    def initial(self, request, *args, **kwargs):
        # DRF's own checks (content negotiation, throttles) are replaced by the chain in dispatch.
        pass

    def dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs, self.request = args, kwargs, request
        self.headers = self.default_response_headers
        ip = ratelimit.client_ip(request)
        state = ratelimit.hit("ingestion_auth", ip, ip=ip)
        if state is not None and state.exceeded:
            return ratelimit.too_many_requests(state)

        header = request.headers.get("Authorization", "")
        if not header:
            return error(403, "Forbidden", MISSING_KEY)
        if not header.startswith("Bearer "):
            return error(403, "Forbidden", NOT_BEARER)
        key = erp_key_authenticate(header[7:])
        if key is None:
            return error(403, "Forbidden", INVALID_KEY)
        # Legitimate bulk traffic must never trip the pre-auth guard.
        ratelimit.reset("ingestion_auth", ip)
        erp_key_mark_used(key=key)
        self.exchange_key = key
        self.organisme = key.organisme

        state = ratelimit.hit("ingestion", str(self.organisme.pk))
        if state is not None and state.exceeded:
            return ratelimit.too_many_requests(state)
        handler = getattr(self, request.method.lower(), None)
        if handler is None:
            return error(404, "Not Found", "Ressource introuvable")
        response = handler(request, *args, **kwargs)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response

    def read_records(self, request):
        """The JSON array of the body, or an error response (413, 400) in the reference's envelope."""
        limit = settings.TDBA["API_MAX_BODY_BYTES"]
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > limit:
            return None, error(413, "Payload Too Large", "Le corps de la requête dépasse 10 Mo.")
        body = request.read(limit + 1)
        if len(body) > limit:
            return None, error(413, "Payload Too Large", "Le corps de la requête dépasse 10 Mo.")
        if request.content_type != "application/json":
            # Like express' body-parser: another content type leaves the body empty ({}).
            data = {}
        else:
            try:
                data, flat = _parse_body(body)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                position = f" (ligne {exc.lineno}, colonne {exc.colno})" if hasattr(exc, "lineno") else ""
                return None, error(400, "Bad Request", f"Le corps de la requête n'est pas un JSON valide{position}.")
            except _BadNumber:
                return None, error(400, "Bad Request", MESSAGE_NUMBER)
            except RecursionError:
                return None, error(400, "Bad Request", MESSAGE_TOO_DEEP)
            if not flat and _too_deep(data):
                return None, error(400, "Bad Request", MESSAGE_TOO_DEEP)
            if any(r.search(body) for r in _SUSPECT_ESCAPE_RES) and _has_forbidden_character(data):
                return None, error(400, "Bad Request", MESSAGE_FORBIDDEN_CHARACTER)
        if not isinstance(data, list):
            return None, validation_error(
                [
                    {
                        "message": '"value" must be an array',
                        "path": [],
                        "type": "array.base",
                        "context": {"label": "value"},
                    }
                ]
            )
        maximum = settings.TDBA["API_MAX_ITEMS"]
        if len(data) > maximum:
            return None, validation_error(
                [
                    {
                        "message": f'"value" must contain less than or equal to {maximum} items',
                        "path": [],
                        "type": "array.max",
                        "context": {"limit": maximum, "label": "value"},
                    }
                ]
            )
        return data, None


class DossiersApprenantsView(ErpApiView):
    @extend_schema(
        operation_id="dossiers_apprenants_post",
        summary="Transmettre des dossiers apprenants (0 à 2000 par appel)",
        description=(
            "Chaque dossier est contrôlé champ par champ puis enregistré dans la file d'attente, valide ou non, avant "
            "la réponse. La réponse est **200 même si des dossiers sont invalides** : lire "
            "`data[i].validation_errors`. Les dossiers valides sont traités ensuite (organismes, dates, contrats) ; "
            "les erreurs de ce traitement se lisent avec `GET /api/v3/dossiers-apprenants/{_id}` et dans les "
            "rapports de transmission du Tableau de bord."
        ),
        request={"application/json": doc.LotDossiersApprenants},
        parameters=doc.RATELIMIT_HEADERS,
        responses={
            200: OpenApiResponse(
                doc.ReponseDossiersRecus,
                description="Dossiers enregistrés dans la file d'attente",
                examples=[doc.QUEUED_EXAMPLE],
            ),
            **doc.BODY_ERROR_RESPONSES,
        },
        examples=doc.REQUEST_EXAMPLES,
    )
    def post(self, request):
        records, problem = self.read_records(request)
        if problem:
            return problem
        result = transmission_receive(
            records=records, source=Source.ERP, source_organisme=self.organisme, exchange_key=self.exchange_key
        )
        body = {"status": "OK", "message": "Queued"}
        if result.has_invalid:
            body["detail"] = "Some data are invalid"
        # The items of a lot share their receipt time: dates are formatted once per answer, not per item.
        texts: dict = {}

        def text(value) -> str:
            if value not in texts:
                texts[value] = _iso(value) if isinstance(value, datetime) else value.isoformat()
            return texts[value]

        organisme_id = str(self.organisme.public_id)
        body["data"] = [self._item(r, text, organisme_id) for r in result.items]
        return HttpResponse(dumps_bytes(body), content_type="application/json")

    def _item(self, item: ReceivedItem, text, organisme_id: str) -> dict:
        created = text(item.created_at)
        data = {
            **item.stored,
            "validation_errors": item.validation_errors,
            "updated_at": created,
            "created_at": created,
        }
        if item.processed_at:
            data["processed_at"] = text(item.processed_at)
        data.update(
            {
                "source": item.source,
                "source_organisme_id": organisme_id,
                "api_version": "v3",
                "has_error": item.has_error,
                "computed_day": text(item.computed_day),
                "_id": str(item.public_id),
            }
        )
        return data


class DossiersApprenantsTestView(ErpApiView):
    @extend_schema(
        operation_id="dossiers_apprenants_test",
        summary="Tester la clé d'échange",
        description="Vérifie la clé ; le corps est ignoré.",
        request=None,
        parameters=doc.RATELIMIT_HEADERS,
        responses={200: OpenApiResponse(doc.ReponseTest, description="Clé valide"), **doc.ERROR_RESPONSES},
    )
    def post(self, request):
        return JsonResponse({"msg": "ok"})


class DossiersApprenantsValidateView(ErpApiView):
    @extend_schema(
        operation_id="dossiers_apprenants_validate",
        summary="Valider des dossiers sans les enregistrer (aide aux éditeurs d'ERP)",
        description=(
            "Ajout de TDBA : les mêmes contrôles que `POST /api/v3/dossiers-apprenants`, sans rien enregistrer ni "
            "traiter. Les contrôles du traitement (organismes connus, dates, contrats) ne sont pas faits."
        ),
        request={"application/json": doc.LotDossiersApprenants},
        parameters=doc.RATELIMIT_HEADERS,
        responses={
            200: OpenApiResponse(
                doc.ReponseValidation, description="Résultat par dossier", examples=[doc.VALIDATE_EXAMPLE]
            ),
            **doc.BODY_ERROR_RESPONSES,
        },
        examples=doc.REQUEST_EXAMPLES,
    )
    def post(self, request):
        records, problem = self.read_records(request)
        if problem:
            return problem
        results = []
        for record in records:
            validation = validate_dossier(record)
            results.append({"valid": validation.is_valid, "validation_errors": validation.errors})
        body = {"status": "OK", "valid": all(r["valid"] for r in results), "data": results}
        return HttpResponse(dumps_bytes(body), content_type="application/json")


class DossierApprenantStateView(ErpApiView):
    @extend_schema(
        operation_id="dossier_apprenant_etat",
        summary="État de traitement d'un dossier transmis",
        description=(
            "Ajout de TDBA : l'état d'un dossier reçu et ses erreurs, y compris celles du traitement asynchrone. "
            "Seule la clé qui a envoyé le dossier peut le lire."
        ),
        parameters=[
            OpenApiParameter(
                "queue_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Le `_id` rendu à l'envoi."
            ),
            *doc.RATELIMIT_HEADERS,
        ],
        responses={
            200: OpenApiResponse(doc.EtatDossier, description="État du dossier", examples=doc.STATE_EXAMPLES),
            404: doc.NOT_FOUND_RESPONSE,
            **doc.ERROR_RESPONSES,
        },
    )
    def get(self, request, queue_id: uuid.UUID):
        # Only the key that sent the dossier may read it back: any other key gets the same 404.
        item = (
            QueueItem.objects.filter(public_id=queue_id, lot__exchange_key=self.exchange_key)
            .select_related("effectif")
            .first()
        )
        if item is None:
            return error(404, "Not Found", "Aucun dossier avec cet identifiant pour cette clé.")
        state = "en_attente" if item.processed_at is None else ("erreur" if item.has_error else "traite")
        return JsonResponse(
            {
                "_id": str(item.public_id),
                "etat": state,
                "created_at": _iso(item.created_at),
                "processed_at": _iso(item.processed_at) if item.processed_at else None,
                "has_error": item.has_error,
                "validation_errors": item.validation_errors,
                "error": "Erreur technique lors du traitement" if item.error else None,
                "effectif_id": str(item.effectif.public_id) if item.effectif else None,
            },
            json_dumps_params={"ensure_ascii": False},
        )
