"""Reads on effectifs, always scoped by the permission module; one module per area."""

from effectifs.selectors.indicateurs import *  # noqa: F403
from effectifs.selectors.liste import *  # noqa: F403
from effectifs.selectors.nominatif import *  # noqa: F403
from effectifs.selectors.organismes import *  # noqa: F403
from effectifs.selectors.qualite import *  # noqa: F403
from effectifs.selectors.sifa import *  # noqa: F403
from effectifs.selectors.territoire import *  # noqa: F403
