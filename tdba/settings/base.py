"""Settings shared by every environment. Values come from the environment (django-environ).

Without DATABASE_URL / REDIS_URL the service runs on SQLite and a filesystem broker, so that
`make run` works on a machine with only Python; with them it runs on PostgreSQL and Redis.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "dsfr",
    "widget_tweaks",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "csp",
    "organismes",
    "erp_keys",
    "effectifs",
    "transmissions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tdba.middleware.RejectNulBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Login is required by default; public pages opt out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "tdba.urls"
WSGI_APPLICATION = "tdba.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "tdba.context_processors.site",
                "tdba.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the worker read and write the demo database side by side.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organismes.User"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by the web process and the worker (rate limits, cached indicators).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Passwords (strength rules of the service live in organismes.validators).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "organismes.validators.TdbaPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="Tableau de bord de l'apprentissage <ne-pas-repondre@tdba.local>"
)
SUPPORT_EMAIL = env("TDBA_SUPPORT_EMAIL", default="tableau-de-bord@apprentissage.beta.gouv.fr")

# django-allauth: accounts are created by our own sign-up wizard; allauth handles e-mail
# verification, login rate limits and password reset.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "organismes.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tableau de bord de l'apprentissage] "
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API du Tableau de bord de l'apprentissage",
    "DESCRIPTION": "Transmission des dossiers apprenants par les ERP (API v3).",
    "VERSION": "3",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc are served from our own static files (drf-spectacular-sidecar): no CDN, CSP 'self'.
    "SWAGGER_UI_DIST": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content Security Policy: no inline script anywhere; DSFR and our files come from /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Celery: without REDIS_URL, kombu's filesystem transport needs no server (demo / laptop).
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    _broker_dir = VAR_DIR / "celery"
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes the database connection around every task unless this is set: a new PostgreSQL
# backend per lot (fork, authentication, cold catalog caches, no prepared statements). Connections are kept and
# recycled as in web requests instead (CONN_MAX_AGE, health checks: tdba/celery.py).
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "revoquer-cles-inactives": {"task": "erp_keys.revoke_stale", "schedule": crontab(hour=4, minute=0)},
    "relancer-dossiers-en-attente": {"task": "transmissions.sweep_pending", "schedule": 60.0},
    "statuts-courants-hebdomadaires": {
        "task": "effectifs.refresh_statut_courant",
        "schedule": crontab(day_of_week="saturday", hour=5, minute=0),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

TDBA = {
    # Limits of /api/v3 (api-v3.md §1.3, §1.4).
    "API_MAX_ITEMS": 2000,
    "API_MAX_BODY_BYTES": env.int("TDBA_API_MAX_BODY_BYTES", default=10 * 1024 * 1024),
    "RATE_LIMIT_INGESTION_AUTH": (env.int("TDBA_RATE_LIMIT_INGESTION_AUTH", default=300), 60),
    "RATE_LIMIT_INGESTION": (env.int("TDBA_RATE_LIMIT_INGESTION", default=3000), 60),
    "RATE_LIMIT_PUBLIC": (env.int("TDBA_RATE_LIMIT_PUBLIC", default=300), 60),
    "RATE_LIMIT_SKIP_PRIVATE_IPS": env.bool("TDBA_RATE_LIMIT_SKIP_PRIVATE_IPS", default=False),
    "RATE_LIMIT_SHADOW": env.bool("TDBA_RATE_LIMIT_SHADOW", default=False),
}

# Personal data of the learners (minors) never reaches the logs (issue 11, tests/test_logs_personal_data.py): every
# handler carries tdba.logging.PersonalDataFilter (exception messages replaced by their class, NIR, e-mails, phones
# and personal keys' values masked). Django's own "django" handlers are replaced: its AdminEmailHandler mails each
# 500 with the request's POST data, and its DEBUG console has no filter. tdba/celery.py keeps this configuration in
# Celery workers and beat (setup_logging signal).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "tdba.logging.PersonalDataFilter"}},
    "formatters": {
        "simple": {"format": "{asctime} {levelname} {name} {message}", "style": "{"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "simple", "filters": ["personal_data"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
