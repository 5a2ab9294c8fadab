"""Writes on organismes (services): référentiel import and accounts. Import from here."""

from organismes.services.comptes import *  # noqa: F403
from organismes.services.comptes import _check_last_admin  # noqa: F401 - tested directly
from organismes.services.referentiel import *  # noqa: F403
