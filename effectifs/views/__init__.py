"""Pages of the effectifs app, one module per area (organisme dashboards, organismes lists, SIFA, territories)."""

from effectifs.views.organisme import *  # noqa: F403
from effectifs.views.organismes import *  # noqa: F403
from effectifs.views.sifa import *  # noqa: F403
from effectifs.views.territoire import *  # noqa: F403
