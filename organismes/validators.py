"""Password rule of the service (statuses-indicators-roles.md §4.5)."""

import re

from django.core.exceptions import ValidationError

MIN_LENGTH = 12
MIN_LENGTH_ADMIN = 20
_RULES = (
    (re.compile(r"[a-z]"), "une lettre minuscule"),
    (re.compile(r"[A-Z]"), "une lettre majuscule"),
    (re.compile(r"[0-9]"), "un chiffre"),
    (re.compile(r"[^A-Za-z0-9]"), "un caractère spécial"),
)


def password_problems(password: str, *, admin: bool = False) -> list[str]:
    """French descriptions of what the password lacks (empty when it is strong enough)."""
    minimum = MIN_LENGTH_ADMIN if admin else MIN_LENGTH
    problems = []
    if len(password) < minimum:
        problems.append(f"au moins {minimum} caractères")
    problems += [label for pattern, label in _RULES if not pattern.search(password)]
    return problems


class TdbaPasswordValidator:
    """At least 12 characters (20 for administrators) with lower, upper, digit and special character."""

    def validate(self, password, user=None):
        organisation = getattr(user, "organisation", None) if user is not None else None
        admin = bool(organisation and organisation.type == "ADMINISTRATEUR") or bool(
            getattr(user, "is_superuser", False)
        )
        problems = password_problems(password, admin=admin)
        if problems:
            raise ValidationError(
                "Le mot de passe doit contenir " + ", ".join(problems) + ".", code="password_too_weak"
            )

    def get_help_text(self):
        return (
            "Au moins 12 caractères (20 pour un administrateur), dont une minuscule, une majuscule, "
            "un chiffre et un caractère spécial."
        )
