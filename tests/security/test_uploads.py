"""Upload and request body limits: an oversized import file is refused by name before it
is stored, and a form over Django's body limits gets a clear 400 page (issue 7, part 4;
decision 0960)."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import TooManyFieldsSent
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.test.utils import override_settings

from relata.imports.models import ImportBatch
from relata.web.errors import bad_request
from relata.web.uploads import OversizedUpload, SizeLimitUploadHandler, UploadTooLarge

pytestmark = pytest.mark.django_db

CSV = b"Klantnummer;Achternaam\r\n" + b"K001;Jansen\r\n" * 40  # 544 bytes


@pytest.fixture
def media(settings: object, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    return tmp_path


@pytest.fixture
def back_office(db: None) -> Client:
    user = User.objects.create_user("bo", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="back_office"))
    client = Client()
    client.force_login(user)
    return client


@override_settings(RELATA_MAX_IMPORT_BYTES=100)
def test_an_oversized_import_is_refused_naming_the_file_and_the_limit(
    back_office: Client, media: Path
) -> None:
    # given an import limit of 100 bytes
    # when a back-office user uploads a file of 544 bytes
    response = back_office.post(
        "/imports/", {"kind": "customers", "file": SimpleUploadedFile("klanten.csv", CSV)}
    )
    # then the form says which file is too large and what the limit is
    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert (
        "The file “klanten.csv” is 544\xa0bytes; files of at most 100\xa0bytes can be imported."
        in page
    )
    # and nothing was stored: no batch, no file, and the request only saw a stand-in
    assert ImportBatch.objects.count() == 0
    assert [p for p in media.rglob("*") if p.is_file()] == []
    stand_in = response.wsgi_request.FILES["file"]
    assert isinstance(stand_in, OversizedUpload)
    assert stand_in.size == len(CSV)


@override_settings(RELATA_MAX_IMPORT_BYTES=100)
def test_a_file_at_the_limit_is_accepted(back_office: Client, media: Path) -> None:
    # given a file of exactly the limit
    content = CSV[:100]
    # when it is uploaded
    response = back_office.post(
        "/imports/", {"kind": "customers", "file": SimpleUploadedFile("klein.csv", content)}
    )
    # then it goes on to the preview
    assert response.status_code == 302
    assert ImportBatch.objects.get().size == 100


@override_settings(RELATA_MAX_IMPORT_BYTES=1000)
def test_the_handler_passes_on_no_more_than_the_limit() -> None:
    # given the size-limit handler at the head of the chain
    handler = SizeLimitUploadHandler()
    handler.new_file("file", "big.csv", "text/csv", None)
    # when a file of 4,000 bytes streams through in chunks of 400
    passed_on = [handler.receive_data_chunk(b"x" * 400, start) for start in range(0, 4000, 400)]
    upload = handler.file_complete(4000)
    # then the next handlers got the chunks up to the limit only, and the form a stand-in
    assert sum(len(chunk) for chunk in passed_on if chunk) <= 1000
    assert isinstance(upload, OversizedUpload)
    assert (upload.name, upload.size) == ("big.csv", 4000)
    # that refuses to be read, naming the file and the limit
    with pytest.raises(
        UploadTooLarge, match=re.escape("“big.csv” is larger than the 1000\xa0bytes allowed")
    ):
        upload.read()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_form_over_the_body_limit_gets_a_clear_400_page(logged_in_client: Client) -> None:
    # given a body limit of 1,000 bytes
    # when a form of 5,000 characters is sent
    response = logged_in_client.post("/customers/new/", {"notes": "x" * 5000})
    # then the answer is the 400 page saying which limit was passed
    page = unescape(response.content.decode())
    assert response.status_code == 400
    assert "The form sent is larger than the 1000\xa0bytes this server accepts." in page
    assert 'id="refusal-message"' in page


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5)
def test_a_form_with_too_many_fields_gets_a_clear_400_page(logged_in_client: Client) -> None:
    # given at most five fields per form
    # when a form with twenty fields is sent
    response = logged_in_client.post("/customers/new/", {f"f{i}": "1" for i in range(20)})
    # then the answer is the 400 page naming the limit
    assert response.status_code == 400
    assert "more than 5 fields" in response.content.decode()


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5)
def test_the_400_handler_answers_api_paths_in_json() -> None:
    # given a request to the API that Django refused for its number of fields
    request = RequestFactory().post("/api/customers/")
    # when the 400 handler answers it
    response = bad_request(request, TooManyFieldsSent("too many"))
    # then the answer is JSON with the reason, like every API error
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "more than 5 fields" in json.loads(response.content)["detail"]
