"""Gunicorn settings for Relata in production (docs/production.md).

    gunicorn -c src/relata/config/gunicorn.conf.py relata.config.wsgi

Every value can be changed with an environment variable (the systemd unit's
EnvironmentFile), so the file itself stays as shipped. Gunicorn reads this file as Python;
it is not imported by Relata.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Where the proxy (nginx, Caddy) reaches Gunicorn: loopback, or a unix socket
# ("unix:/run/relata/gunicorn.sock").
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Sync workers: Relata's pages and reports are CPU and database work, not long waits.
# (2 × cores) + 1 is Gunicorn's rule of thumb; capped because each worker keeps its own
# PostgreSQL connection open (CONN_MAX_AGE) and a small server has max_connections = 100.
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 12))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "sync"

# A report over millions of rows may take a while; an import upload is buffered by the proxy
# first. A worker silent for longer than this is killed and replaced.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle workers now and then so slow growth of memory (large report pages) cannot pile up;
# the jitter keeps them from restarting all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# Request-line and header limits (Gunicorn's defaults made explicit): a request beyond them is
# refused with 400 before Django sees it. The body limit lives in the proxy
# (client_max_body_size) and in Django (DATA_UPLOAD_MAX_MEMORY_SIZE, RELATA_MAX_IMPORT_BYTES).
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 8190)
limit_request_fields = _int("GUNICORN_LIMIT_REQUEST_FIELDS", 100)
limit_request_field_size = _int("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 8190)

# Only the local proxy may say the original request was HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr, which systemd's journal keeps. The access log ends with the request
# time in milliseconds (%(M)s) and the worker's pid, so slow requests can be found with
# `journalctl -u relata | awk '$NF > 1000'`-style filters.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s "%({x-forwarded-for}i)s" %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(p)s %(M)sms'
)
proc_name = "relata"

# The heartbeat file of each worker: in memory, so a slow disk cannot get workers killed
# (Gunicorn's own advice; the files are empty and private to the worker).
_SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM

# Gunicorn's control socket (gunicornc): in systemd's RuntimeDirectory when there is one,
# so several instances on one machine never share a socket; otherwise off.
_runtime = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
_control = os.environ.get("GUNICORN_CONTROL_SOCKET") or (
    os.path.join(_runtime, "gunicorn.ctl") if _runtime else ""
)
if _control:
    control_socket = _control
else:
    control_socket_disable = True

wsgi_app = "relata.config.wsgi:application"
