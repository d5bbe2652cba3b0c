from __future__ import annotations

import itertools
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import get_resolver, URLPattern, URLResolver, reverse

from tests.factories import CustomerFactory, ComplaintFactory, ProductFactory
from tests.contacts.task_support import make_task
from relata.sales.deal_services import deal_create
from relata.contacts.models import RoutingRule

KEYS = ["q","page","customer","partial","tab","owner","match","kind","import","format","stage","source","sort",
"date_from","date_to","status","priority","overdue","task_kinds","tiers","user","value","tier","has_owner",
"cause","touchpoint","channel","resolution","resolved_at","version","next","direction","keep","merge",
"keep_version","merge_version","lost_reason","lost_note","customer_number","send_to","assignee","team",
"order_number","title","notes","description","expected_close_date","probability","city","pair","a","b","ids","left","right"]
JUNK = ["abc", "-1", "0", "99999999999999999999999", "\x00", "1.5", "2026-13-45", "me", "[]", "9" * 400]

def _routes():
    out = []
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace
                if ns in ("deals","tasks","complaints","customers","contacts"):
                    walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and prefix:
                out.append((f"{prefix}:{p.name}", list(p.pattern.converters.keys())))
    walk(get_resolver().url_patterns)
    return out

@pytest.mark.django_db
def test_fuzz():
    admin = User.objects.create_superuser("root", "r@x.nl", "pw")
    c = Client(raise_request_exception=False)
    c.force_login(admin)
    a = CustomerFactory(); b = CustomerFactory()
    deal = deal_create(customer=a, title="T")
    task = make_task(customer=a)
    comp = ComplaintFactory(customer=a)
    ProductFactory()
    rule = RoutingRule.objects.first()
    ids = {"pk": [deal.pk, task.pk, comp.pk, a.pk, rule.pk if rule else 1, 999999], "person_pk": [1, 99999]}
    failures = []
    for name, convs in _routes():
        combos = [dict()] if not convs else [dict(zip(convs, vals)) for vals in itertools.product(*[ids.get(cv, [1]) for cv in convs])]
        for kw in combos:
            try:
                url = reverse(name, kwargs=kw)
            except Exception as e:
                continue
            for junk in JUNK:
                for method in ("get", "post"):
                    for htmx in (False, True):
                        data = {k: junk for k in KEYS}
                        hdr = {"HTTP_HX_REQUEST": "true"} if htmx else {}
                        r = getattr(c, method)(url, data, **hdr)
                        if r.status_code >= 500:
                            failures.append((method, url, junk, htmx, r.status_code))
                        # also empty
            for method in ("get","post"):
                r = getattr(c, method)(url)
                if r.status_code >= 500:
                    failures.append((method, url, "EMPTY", False, r.status_code))
            # single keys
            for k in KEYS:
                for junk in JUNK[:4]:
                    for method in ("get","post"):
                        r = getattr(c, method)(url, {k: junk})
                        if r.status_code >= 500:
                            failures.append((method, url, f"{k}={junk!r}", False, r.status_code))
    for f in failures:
        print("FAIL", f)
    assert not failures
