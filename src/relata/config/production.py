"""Production settings: ``DJANGO_SETTINGS_MODULE=relata.config.production`` (decision 0960).

Everything in ``settings`` applies, then the rules for a server that holds real customer
data. Required environment variables (start-up stops with a message naming the variable
when one is missing):

* ``SECRET_KEY`` — at least 50 random characters, e.g. the output of
  ``python -c "import secrets; print(secrets.token_urlsafe(50))"``;
* ``ALLOWED_HOSTS`` — the host names users reach Relata at, comma-separated.

Optional, for HTTPS behind a reverse proxy (the usual set-up: nginx in front of gunicorn):

* ``RELATA_SSL_REDIRECT=0`` when the proxy already redirects http to https (Django then does
  not; the deploy check's warning about it is silenced because the proxy does the work);
* ``RELATA_PROXY_SSL_HEADER=0`` when no proxy sets ``X-Forwarded-Proto`` (the header is
  trusted only when on, and the proxy must overwrite what clients send);
* ``RELATA_HSTS_SECONDS`` (default one year), ``RELATA_HSTS_INCLUDE_SUBDOMAINS`` (default on),
  ``RELATA_HSTS_PRELOAD`` (default on; off silences the deploy check's preload warning);
* ``RELATA_SESSION_HOURS`` (default 10): a login lasts one working day at most, and ends
  when the browser closes.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from relata.config.settings import *  # noqa: F403
from relata.config.settings import PASSWORD_MIN_LENGTH, SILENCED_SYSTEM_CHECKS, env_bool

DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to at least 50 random characters in production, e.g. the "
        'output of: python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must name the host names Relata is reached at in production, "
        "comma-separated, e.g. ALLOWED_HOSTS=crm.example.nl"
    )

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("RELATA_SESSION_HOURS", "10")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

SILENCED_SYSTEM_CHECKS = list(SILENCED_SYSTEM_CHECKS)
SECURE_SSL_REDIRECT = env_bool("RELATA_SSL_REDIRECT", True)
# A load balancer probes the health check over plain http on the private side.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not SECURE_SSL_REDIRECT:
    # The reverse proxy redirects http to https itself.
    SILENCED_SYSTEM_CHECKS.append("security.W008")
if env_bool("RELATA_PROXY_SSL_HEADER", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("RELATA_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("RELATA_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("RELATA_HSTS_PRELOAD", True)
if not SECURE_HSTS_PRELOAD:
    # Preloading is the domain owner's choice; without it browsers still get HSTS.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# Production never accepts a shorter password than 12 characters.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": max(12, PASSWORD_MIN_LENGTH)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
