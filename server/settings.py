"""Détente settings: everything that differs between machines comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from server.api.proxies import trusted_networks

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("DJANGO_REQUIRE_SECRET_KEY"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
    # A fixed development key keeps `make run` working with nothing configured; deployments set
    # DJANGO_SECRET_KEY (see docs/deployment.md).
    SECRET_KEY = "detente-insecure-development-key-change-me"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "knox",
    "simple_history",
    "axes",
    "server.diplomacy",
    "server.api",
]

MIDDLEWARE = [
    # Forwarded headers are dropped unless a trusted proxy sent them, before anything reads them.
    "server.api.proxies.ProxyHeadersMiddleware",
    "server.api.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An ETag on every successful answer (a digest of its body), and a 304 to a matching
    # If-None-Match.
    "server.api.conditional.RepresentationETagMiddleware",
    # Where this request's reads go: a replica, or the primary (server/replicas.py).
    "server.replicas.ReplicaRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Every request is counted before it is served (after the security headers' middleware, so
    # that a 429 carries them too).
    "server.api.throttling.RequestRateMiddleware",
    # A chunked body the server did not take apart (server/wsgi.py reads gunicorn's) is a 411.
    "server.api.bodies.LengthRequiredMiddleware",
    # A streamed answer's first part is read before it is sent: its database errors are 503s.
    "server.api.streams.PrimedStreamsMiddleware",
    # Turns django-axes' lockout of a sign-in into its answer; last, as axes requires.
    "axes.middleware.AxesMiddleware",
]

# The admin's sign-in: django-axes counts failures per username and client address (as the
# trusted proxies report it) and locks that pair out for a while after too many; a successful
# sign-in clears the count. Token requests never go through it: they are counted per address
# by the request rates.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DETENTE_ADMIN_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DETENTE_ADMIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "server.api.proxies.client_address"
AXES_LOCKOUT_CALLABLE = "server.diplomacy.lockout.locked_out"
# Lockouts are logged as warnings all the same; this only silences a banner at every start.
AXES_VERBOSE = False

ROOT_URLCONF = "server.urls"
WSGI_APPLICATION = "server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share the file: writers take the lock when their transaction
    # begins and wait for it (up to the timeout) instead of failing with "database is locked";
    # WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# A query running away (a pathological search, a lock held too long) is cancelled and the
# request answered 503, rather than holding a worker for ever: PostgreSQL's statement_timeout, and
# on SQLite a progress handler that does the same (server/api/time_limits.py). 0: no limit.
STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "10000"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    )

# Read replicas (PostgreSQL streaming replicas of the primary above), comma-separated: anonymous
# reads go to one that answers and is at most DATABASE_REPLICA_MAX_LAG_SECONDS behind; writes,
# and a client's reads for DETENTE_READ_YOUR_WRITES_SECONDS after its last write, to the primary
# (server/replicas.py).
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", ""), start=1):
    _replica = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0), conn_health_checks=True
    )
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 2}
    _replica["TEST"] = {"MIRROR": "default"}  # a test database has no replica of its own
    DATABASES[f"replica{_number}"] = _replica
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["server.replicas.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", "5"))
REPLICA_CHECK_SECONDS = float(os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", "1"))
READ_YOUR_WRITES_SECONDS = int(os.environ.get("DETENTE_READ_YOUR_WRITES_SECONDS", "30"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Where `manage.py release` writes the numbered releases of the public dataset, which the API
# serves (/api/v1/releases/); with several app servers, a folder they all share.
RELEASES_DIR = os.environ.get("DETENTE_RELEASES_DIR", str(BASE_DIR / "releases"))

# How long shared caches (a CDN, a proxy) and clients may reuse an anonymous read of a record or a
# list without asking again; 0 has them ask every time (revalidating with the ETag).
PUBLIC_MAX_AGE = int(os.environ.get("DETENTE_PUBLIC_MAX_AGE", "60"))

# A search ranked by relevance ranks the newest this many matches, the older ones following newest
# first, so that its cost does not grow with the matches (server/api/ranking.py); 0 ranks them all.
SEARCH_RANK_WINDOW = int(os.environ.get("DETENTE_SEARCH_RANK_WINDOW", "500"))

# Requests per client, counted before each request is served (server/api/throttling.py): per
# address for anonymous clients, per user for token holders.
REQUEST_RATES = {
    "anonymous": os.environ.get("DETENTE_THROTTLE_ANON", "600/minute"),
    "user": os.environ.get("DETENTE_THROTTLE_USER", "3000/minute"),
}
# The proxies in front, by address or network: only their X-Forwarded-* headers are believed
# (server/api/proxies.py). None by default: a client's own headers change nothing.
TRUSTED_PROXIES = trusted_networks(os.environ.get("DETENTE_TRUSTED_PROXIES", ""))
# Without REDIS_URL, the workers of one machine count requests in this SQLite file.
REQUEST_COUNTS_FILE = Path(
    os.environ.get("DETENTE_REQUEST_COUNTS", BASE_DIR / "request-counts.sqlite3")
)

# Request counts live in Redis when REDIS_URL is set, shared by every worker of every server, and
# lists keep their counts in the default cache. Without REDIS_URL that cache is Django's
# per-process memory. Redis is cut short when slow (a request waits at most a second) and passed
# over while it is away (server/cache.py): an outage lifts the limits, it does not fail requests.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "server.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "detente",
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
            },
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "server.api.schema.ProblemAwareAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "server.api.pagination.CappedLimitOffsetPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "server.api.filtering.StrictFilterBackend",
        "server.api.filtering.TextSearchFilter",
        "server.api.filtering.StrictOrderingFilter",
        "server.api.facets.FacetParameter",
    ],
    # Bodies are JSON; any other content type is a 415.
    "DEFAULT_PARSER_CLASSES": ["server.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "server.api.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Token first, so that a request without credentials is answered 401 with its challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "server.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Rates are kept by server.api.throttling.RequestRateMiddleware, for every request.
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [
        "server.api.permissions.ModelPermissionsOrAnonReadOnly",
    ],
    "EXCEPTION_HANDLER": "server.api.errors.problem_exception_handler",
    "ORDERING_PARAM": "ordering",
    "SEARCH_PARAM": "q",
    "URL_FORMAT_OVERRIDE": "format",
}

REST_KNOX = {
    "TOKEN_TTL": timedelta(days=int(os.environ.get("DETENTE_TOKEN_TTL_DAYS", "90"))),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Détente API",
    "DESCRIPTION": (
        "A curated, sourced and versioned record of diplomatic relations: officials, the "
        "contacts between them, what they said, and the documents that say so."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "server.api.schema.strict_request_bodies",
        "server.api.schema.search_snippets",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Every refused request (4xx) is a warning to Django; a public API refuses many, and its
    # clients get the reason in the response. Server errors (5xx) are still logged.
    "loggers": {
        "django.request": {"level": os.environ.get("DJANGO_REQUEST_LOG_LEVEL", "ERROR")},
    },
}

# -- security ----------------------------------------------------------------------------------
# Behind a TLS-terminating proxy (DJANGO_HTTPS=true): redirect plain HTTP, send HSTS, and keep the
# session and CSRF cookies to HTTPS. `make run` on a laptop serves plain HTTP, so these are opt-in.
SERVED_OVER_HTTPS = env_bool("DJANGO_HTTPS")
# Both headers reach Django only from a trusted proxy (ProxyHeadersMiddleware removes them from
# anyone else), so with no proxy configured a client's own change nothing.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True
SECURE_SSL_REDIRECT = SERVED_OVER_HTTPS
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = (
    int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if SERVED_OVER_HTTPS else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SERVED_OVER_HTTPS
SECURE_HSTS_PRELOAD = SERVED_OVER_HTTPS
SESSION_COOKIE_SECURE = SERVED_OVER_HTTPS
CSRF_COOKIE_SECURE = SERVED_OVER_HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Bodies are small JSON documents; anything bigger is refused (413) before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DJANGO_MAX_BODY_BYTES", str(1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Scripts, styles and images come from this server only; no page may be framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Redoc and the admin set styles inline; styles cannot run code.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        # Redoc parses the schema in a web worker it creates from a blob.
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
