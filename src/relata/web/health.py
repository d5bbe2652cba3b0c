"""``GET /healthz``: is this process up and can it reach its database?

Public (see ``web.middleware``) so a load balancer, systemd watchdog script or uptime monitor
can ask without a login. It reveals nothing beyond "ok" or "unavailable": no version, no
error text, no host names.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def database_reachable() -> bool:
    """True when a trivial query succeeds on the default database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database cannot be reached", exc_info=True)
        # A broken persistent connection must not be reused by the next check or request.
        connection.close_if_unusable_or_obsolete()
        return False
    return True


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    if database_reachable():
        return JsonResponse({"status": "ok", "database": "ok"})
    return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
