"""Play the ERP: send a JSON file of dossiers apprenants to /api/v3/dossiers-apprenants (docs/erp-push.md).

Standard library only (urllib): it is what a demo or an ERP developer needs to see records land, nothing more.
"""

import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

MAX_BATCH = 2000  # the API's limit per POST (api-v3.md §1.4)
PATH = "/api/v3/dossiers-apprenants"
SHOWN_INVALID = 10  # invalid records detailed per batch
SHOWN_ERRORS = 3  # errors detailed per invalid record
SHOWN_IDS = 20  # queue ids printed per batch at the default verbosity
# The json module's messages, in French.
JSON_MESSAGES = {
    "Expecting value": "valeur attendue",
    "Expecting property name enclosed in double quotes": "nom de champ entre guillemets doubles attendu",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendus",
    "Extra data": "contenu en trop après la fin du JSON",
    "Unterminated string starting at": "texte sans guillemet fermant",
    "Invalid control character at": "caractère de contrôle interdit dans un texte",
    "Invalid \\escape": "séquence d'échappement invalide",
}


class Command(BaseCommand):
    help = (
        "Joue le rôle d'un ERP : envoie un fichier JSON (tableau de dossiers apprenants) à l'API v3, par lots de "
        "2000, avec une clé d'échange."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="fichier JSON contenant un tableau de dossiers apprenants")
        parser.add_argument("--key", required=True, help="clé d'échange de l'organisme (Paramètres)")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="adresse du service (défaut : %(default)s)")
        parser.add_argument(
            "--taille-lot",
            type=int,
            default=MAX_BATCH,
            dest="batch_size",
            help=f"dossiers par requête, de 1 à {MAX_BATCH} (défaut : %(default)s)",
        )
        parser.add_argument("--timeout", type=float, default=120, help="délai d'attente en secondes par requête")

    def handle(self, *args, fichier, key, url, batch_size, timeout, **options):
        if not 1 <= batch_size <= MAX_BATCH:
            raise CommandError(f"--taille-lot doit être compris entre 1 et {MAX_BATCH}.")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError(f"Adresse invalide : {url!r} (attendu : http://hôte:port ou https://hôte).")
        endpoint = url.rstrip("/") + PATH
        records = self._read(Path(fichier))
        if not records:
            self.stdout.write("Le fichier ne contient aucun dossier : rien à envoyer.")
            return
        batches = [records[i : i + batch_size] for i in range(0, len(records), batch_size)]
        self.stdout.write(f"{len(records)} dossier(s) à envoyer à {endpoint} en {len(batches)} lot(s).")
        queued = invalid = 0
        for number, batch in enumerate(batches, start=1):
            status, body = self._post(endpoint, key, batch, timeout=timeout, number=number, total=len(batches))
            batch_queued, batch_invalid = self._report(number, len(batches), status, body, options["verbosity"])
            queued, invalid = queued + batch_queued, invalid + batch_invalid
        self.stdout.write(
            self.style.SUCCESS(
                f"Terminé : {queued} dossier(s) mis en file d'attente, dont {invalid} invalide(s) dès la réception."
            )
        )
        self.stdout.write(
            "Les dossiers valides sont traités en arrière-plan (worker Celery) ; suivez-les dans "
            f"Mon compte > Transmissions ({url.rstrip('/')}/transmissions/) ou avec "
            f"GET {endpoint}/<identifiant>."
        )

    def _read(self, path: Path) -> list:
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise CommandError(f"Le fichier {path} n'est pas encodé en UTF-8 ({exc.reason}).") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"Le fichier {path} n'est pas un JSON valide (ligne {exc.lineno}, colonne {exc.colno}) : "
                f"{JSON_MESSAGES.get(exc.msg, exc.msg)}."
            ) from exc
        if not isinstance(data, list):
            raise CommandError(
                f"Le fichier {path} doit contenir un tableau JSON de dossiers apprenants ([{{…}}, {{…}}]), "
                f"pas un {type(data).__name__}."
            )
        return data

    def _post(self, endpoint: str, key: str, batch: list, *, timeout: float, number: int, total: int):
        body = json.dumps(batch, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above (http or https only)
            endpoint,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "tdba-erp-push",
            },
        )
        prefix = f"Lot {number}/{total}"
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, _json(response.read())
        except urllib.error.HTTPError as exc:
            status, answer = exc.code, _json(exc.read())
            message = answer.get("message") if isinstance(answer, dict) else None
            raise CommandError(f"{prefix} refusé : HTTP {status}. {_explain(status, message, exc.headers)}") from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ConnectionRefusedError):
                raise CommandError(
                    f"{prefix} : connexion refusée par {endpoint}. Le service est-il démarré (make run) et "
                    "l'adresse --url est-elle la bonne ?"
                ) from exc
            raise CommandError(f"{prefix} : impossible de joindre {endpoint} ({reason}).") from exc
        except TimeoutError as exc:
            raise CommandError(f"{prefix} : pas de réponse de {endpoint} après {timeout:g} s.") from exc

    def _report(self, number: int, total: int, status: int, body, verbosity: int) -> tuple[int, int]:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise CommandError(f"Lot {number}/{total} : réponse inattendue (HTTP {status}) : {str(body)[:300]}")
        invalid = [(position, item) for position, item in enumerate(data, start=1) if item.get("validation_errors")]
        self.stdout.write(
            f"Lot {number}/{total} : HTTP {status} — {len(data)} dossier(s) mis en file d'attente, "
            f"{len(invalid)} invalide(s)."
        )
        for position, item in invalid[:SHOWN_INVALID]:
            errors = item["validation_errors"]
            identity = item.get("id_erp_apprenant", "sans id_erp_apprenant")
            self.stdout.write(f"  Dossier n°{position} ({identity}) : {len(errors)} erreur(s)")
            for error in errors[:SHOWN_ERRORS]:
                path = ".".join(str(p) for p in error.get("path") or []) or "dossier"
                self.stdout.write(f"    - {path} : {error.get('message')} [{error.get('code', '')}]")
            if len(errors) > SHOWN_ERRORS:
                self.stdout.write(f"    … et {len(errors) - SHOWN_ERRORS} autre(s)")
        if len(invalid) > SHOWN_INVALID:
            self.stdout.write(f"  … et {len(invalid) - SHOWN_INVALID} autre(s) dossier(s) invalide(s)")
        ids = [str(item.get("_id")) for item in data]
        shown = ids if verbosity >= 2 else ids[:SHOWN_IDS]
        self.stdout.write("  Identifiants en file d'attente : " + ", ".join(shown))
        if len(shown) < len(ids):
            self.stdout.write(f"  … et {len(ids) - len(shown)} autre(s) (--verbosity 2 pour tous les afficher)")
        return len(data), len(invalid)


def _json(raw: bytes):
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw.decode("utf-8", "replace")


def _explain(status: int, message: str | None, headers) -> str:
    """A French explanation of the API's refusals (api-v3.md §1.2 to §1.4)."""
    said = f"Réponse du service : « {message} ». " if message else ""
    if status == 403:
        return (
            f"{said}La clé d'échange est absente, mal formée ou n'est plus valide (une nouvelle clé remplace "
            "l'ancienne) : générez-en une dans Paramètres, ou reprenez celle affichée par load_demo."
        )
    if status == 413:
        return f"{said}Le lot dépasse la taille maximale acceptée (10 Mo) : réduisez --taille-lot."
    if status == 429:
        wait = headers.get("Retry-After") if headers else None
        delay = f"dans {wait} seconde(s)" if wait else "dans une minute"
        return f"{said}Trop de requêtes pour cet organisme ou cette adresse : réessayez {delay}."
    if status == 400:
        return f"{said}Le contenu envoyé a été refusé."
    if status == 404:
        return f"{said}Vérifiez l'adresse --url : ce service ne répond pas à {PATH}."
    return said or "Erreur inattendue du service."
