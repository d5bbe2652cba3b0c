import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from relata.imports.models import ImportBatch
from tests.imports.test_views import back_office, _upload, DUTCH  # noqa

pytestmark = pytest.mark.django_db

@pytest.mark.parametrize("name,content,extra", [
  ("a" * 300 + ".csv", DUTCH, {}),
  (".csv", DUTCH, {}),
  ("../../etc/passwd", DUTCH, {}),
  ("x.csv", DUTCH, {"delimiter": "zz"}),
  ("x.csv", DUTCH, {"encoding": "bogus"}),
  ("x.csv", DUTCH, {"mapping": "nonsense"}),
  ("x.csv", DUTCH, {"mapping": "Klant=bogus"}),
  ("x.csv", DUTCH, {"sheet": "\x00"}),
  ("x.csv", DUTCH, {"mapping": "A\x00=customer_number"}),
  ("k\x00.csv", DUTCH, {}),
  ("x.csv", DUTCH, {"kind": "nope"}),
  ("x.xlsx", DUTCH, {}),
  ("x.csv", b"\x00" * 100, {}),
])
def test_upload(back_office, name, content, extra):
    r = _upload(back_office, content, name=name, **extra)
    print(f"\n{r.status_code} {name[:20]!r} {extra}")
    if r.status_code == 302:
        page = back_office.get(r.url)
        print(page.status_code, ImportBatch.objects.values_list("status", "message", "file").last())
        b = ImportBatch.objects.last()
        for u in ("imports:recheck", "imports:confirm"):
            rr = back_office.post(reverse(u, args=[b.pk]), {"mapping": "Q=\x00", "skip_invalid": "on"})
            print(u, rr.status_code)
        rr = back_office.get(reverse("imports:rejects", args=[b.pk]))
        print("rejects", rr.status_code)
    elif r.status_code == 200:
        import re
        print(re.findall(r'invalid-feedback[^>]*>([^<]*)', r.content.decode())[:3])
