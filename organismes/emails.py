"""Emails of the account lifecycle (§4.5), in French, through Django's mail backend."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

SUBJECT_PREFIX = "[Tableau de bord de l'apprentissage] "


def send_templated_email(*, template: str, to: list[str], context: dict) -> None:
    """Render `organismes/emails/<template>_subject.txt` and `_message.txt`, then send one email per call."""
    if not to:
        return
    subject = render_to_string(f"organismes/emails/{template}_subject.txt", context).strip()
    body = render_to_string(f"organismes/emails/{template}_message.txt", context)
    send_mail(SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, to)
