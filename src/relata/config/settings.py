"""Settings read from environment variables; defaults give a working SQLite trial install."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = Path(os.environ.get("RELATA_HOME", Path.cwd()))
DATA_DIR = Path(os.environ.get("RELATA_DATA_DIR", PROJECT_DIR / "data"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("RELATA_REQUIRE_SECRET_KEY", False):
        raise RuntimeError("SECRET_KEY must be set in production")
    # A fixed development key keeps sessions valid across restarts of a local trial install.
    SECRET_KEY = "relata-insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "ninja",  # serves the vendored Swagger UI for /api/docs (no CDN)
    "axes",  # login throttling and lockout (decision 0960)
    "csp",  # Content-Security-Policy header and its system checks (decision 0960)
    "relata.web",
    "relata.accounts",
    "relata.customers",
    "relata.sales",
    "relata.contacts",
    "relata.imports",
    "relata.api",
    "relata.scoring",
    "relata.engagement",
    "relata.feedback",
    "relata.audit",
    "relata.privacy",
    "relata.demo",
    "relata.clvcli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "relata.web.throttle.ApiAuthThrottleMiddleware",  # 429 after repeated API 401s: 0960
    "relata.web.db_unavailable.DatabaseUnavailableMiddleware",  # before sessions: decision 0996
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "relata.audit.middleware.AuditOriginMiddleware",  # who and from where: decision 0970
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "relata.web.middleware.LoginRequiredEverywhereMiddleware",
    "relata.accounts.middleware.OwnAccountsMiddleware",  # sales: own accounts only (0990)
    # Last: turns a login refused for a locked-out user into the lockout page (decision 0960).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "relata.config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "relata.contacts.context_processors.task_counts",
            ],
        },
    },
]

WSGI_APPLICATION = "relata.config.wsgi.application"

_default_sqlite = f"sqlite:///{DATA_DIR / 'relata.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One minimum length for trial and production installs: a trial often becomes the real one.
PASSWORD_MIN_LENGTH = int(os.environ.get("RELATA_PASSWORD_MIN_LENGTH", "12"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes, decision 0960): after RELATA_LOCKOUT_ATTEMPTS failed logins
# for one username from one IP address, that pair is locked out for RELATA_LOCKOUT_MINUTES;
# a successful login resets the count. `relata axes_reset_username <name>` unlocks early.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("RELATA_LOCKOUT_ATTEMPTS", "5"))
LOCKOUT_MINUTES = max(1, int(os.environ.get("RELATA_LOCKOUT_MINUTES", "15")))
AXES_COOLOFF_TIME = timedelta(minutes=LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "relata.web.throttle.login_lockout_response"
# Sign-ins belong in the audit trail (decision 0970), the one record of who did what from
# where; axes' own access log would keep every login's address a second time.
AXES_DISABLE_ACCESS_LOG = True
# The client address for lockout and throttling is the one the audit trail records: the
# peer, or X-Forwarded-For when the peer is listed in RELATA_TRUSTED_PROXIES (see below).
AXES_CLIENT_IP_CALLABLE = "relata.audit.middleware.client_ip"
# API tokens: after this many 401 answers to one IP address within the window, /api/ answers
# 429 until the window ends (relata.web.throttle; 0 switches it off).
RELATA_API_AUTH_FAILURE_LIMIT = int(os.environ.get("RELATA_API_AUTH_FAILURE_LIMIT", "20"))
RELATA_API_AUTH_FAILURE_WINDOW = int(os.environ.get("RELATA_API_AUTH_FAILURE_WINDOW", "600"))

# Content-Security-Policy (django-csp 4, decision 0960). Scripts only from this server or
# inline with the per-response nonce (`nonce="{{ request.csp_nonce }}"`); no inline event
# handlers and no eval. Style attributes stay allowed (style-src-attr): templates set
# computed widths of progress bars and charts' tooltips are styled inline; <style> elements
# are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "style-src-elem": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
# The language of management commands (`RELATA_LANGUAGE=nl relata import …`), and of web
# pages when the browser asks for neither language; LocaleMiddleware follows the browser.
_language = os.environ.get("RELATA_LANGUAGE", "").strip().lower()
LANGUAGE_CODE = _language if _language in dict(LANGUAGES) else "en"
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
# The data folder holds the default SQLite database, uploads awaiting import and static files.
for _folder in (DATA_DIR, STATIC_ROOT):
    _folder.mkdir(parents=True, exist_ok=True)

# Imports up to 200 MB are accepted in the UI; the limit keeps a runaway upload from filling disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
RELATA_MAX_IMPORT_BYTES = int(os.environ.get("RELATA_MAX_IMPORT_BYTES", 200 * 1024 * 1024))
DATA_UPLOAD_MAX_NUMBER_FIELDS = int(os.environ.get("RELATA_MAX_FORM_FIELDS", "1000"))
# The first handler stops storing an uploaded file once it passes RELATA_MAX_IMPORT_BYTES, so
# an oversized upload is refused with its name and the limit and never kept (decision 0960).
FILE_UPLOAD_HANDLERS = [
    "relata.web.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For the audit
# trail believes for the client address; empty: the peer address is the client (0970).
RELATA_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("RELATA_TRUSTED_PROXIES", "").split(",") if p.strip()
]

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("RELATA_HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Campaign and trigger e-mail. By default every mail is written as a file under data/mail
# (the demo sends nothing); set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and
# the EMAIL_HOST settings below to deliver through an SMTP server.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") in ("1", "true", "yes")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Relata <relata@localhost>")
# The address customers reach this installation at: links and the open pixel in e-mail.
RELATA_SITE_URL = os.environ.get("RELATA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The duplicate-finding indexes INCLUDE the customer id so PostgreSQL can group by a match key
# with an index-only scan (customers/0005); SQLite ignores INCLUDE, which is harmless there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
