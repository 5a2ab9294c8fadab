import os

from django.core.wsgi import get_wsgi_application

from tdba.runtime import tune_gc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tdba.settings.production")
application = get_wsgi_application()
tune_gc()
