import pytest
from tests.api.conftest import ApiClient
from django.contrib.auth.models import User
from relata.accounts.models import ApiToken

pytestmark = pytest.mark.django_db
BIG = "999999999999999999999"
PATHS = [
 ("/api/customers/", {"limit": "abc"}), ("/api/customers/", {"offset": BIG}), ("/api/customers/", {"offset": "9223372036854775000"}),
 ("/api/customers/", {"updated_since": "9999-12-31T23:59:59-14:00"}), ("/api/customers/", {"updated_since": "0001-01-01T00:00:00+14:00"}),
 ("/api/customers/", {"q": "\x00"}), ("/api/customers/", {"postcode": "\x00"}), ("/api/customers/", {"email": "\x00"}),
 ("/api/customers/", {"customer_number": "\x00"}), ("/api/customers/", {"city": "\x00"}), ("/api/customers/", {"ordering": "zz"}),
 ("/api/customers/", {"q": "a" * 100000}), ("/api/customers/", {"kind": "x"}),
 ("/api/customers/" + BIG, {}), ("/api/customers/-1", {}), ("/api/customers/by-number/%00", {}),
 ("/api/customers/" + BIG + "/scores", {}),
 ("/api/orders/", {"customer_id": BIG}), ("/api/orders/", {"date_from": "0000-01-01"}), ("/api/orders/", {"date_to": "99999-01-01"}),
 ("/api/orders/", {"customer_number": "\x00"}), ("/api/orders/", {"ordering": "zz"}), ("/api/orders/", {"status": "zz"}),
 ("/api/orders/" + BIG, {}),
 ("/api/contact-moments/", {"customer_id": BIG}), ("/api/contact-moments/", {"office": "\x00"}), ("/api/contact-moments/", {"direction": "zz"}),
 ("/api/contact-moments/", {"date_from": "9999-12-31"}), ("/api/contact-moments/", {"date_to": "9999-12-31"}), ("/api/contact-moments/", {"date_from": "0001-01-01"}),
 ("/api/contact-moments/" + BIG, {}), ("/api/contact-moments/", {"outcome": "\x00"}),
 ("/api/scores/runs", {"limit": "abc"}), ("/api/scores/tiers", {"run": BIG}), ("/api/scores/customers", {"offset": "9223372036854775000"}),
 ("/api/scores/customers", {"run": "abc"}), ("/api/scores/migration", {"run": "-1"}),
]

@pytest.fixture
def admin_api(db):
    u = User.objects.create_superuser("adm", password="x-long-password-123")
    _t, raw = ApiToken.issue(user=u, name="t")
    return ApiClient(raw)

@pytest.mark.parametrize("path,params", PATHS)
def test_probe(admin_api, path, params):
    r = admin_api.get(path, params)
    print(f"\n{r.status_code} {path} {str(params)[:60]} {r.content[:200]!r}")
    assert r.status_code < 500
