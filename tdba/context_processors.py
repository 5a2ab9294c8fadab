from django.conf import settings
from django.utils.functional import SimpleLazyObject

from tdba.navigation import SKIPLINKS, build_navigation


def site(request):
    """Values every page needs: support address."""
    return {"support_email": settings.SUPPORT_EMAIL}


def navigation(request):
    """Main navigation and account menu of base.html (built only when a template uses it)."""
    return {
        "navigation": SimpleLazyObject(lambda: build_navigation(request)),
        "skiplinks": SKIPLINKS,
    }
