"""/api/segments: list, get, create, update, delete, members, fields and count."""

from __future__ import annotations

from typing import Any

import pytest

from relata.accounts.models import ApiToken
from relata.engagement.models import Campaign, Segment
from relata.engagement.segment_services import segment_create
from tests.api.conftest import ApiClient
from tests.engagement.segment_support import (
    World,
    all_of,
    any_of,
    build_world,
    cond,
    user_with_segment_rights,
)

pytestmark = pytest.mark.django_db

TOP_OR_BIG = all_of(cond("tier", "in", [1, 2]))


@pytest.fixture
def world() -> World:
    return build_world()


def _client(username: str, **rights: Any) -> ApiClient:
    _token, raw = ApiToken.issue(user=user_with_segment_rights(username, **rights), name="t")
    return ApiClient(raw)


@pytest.fixture
def seg_api(db: None) -> ApiClient:
    return _client("mara")


def test_create_get_and_list(world: World, seg_api: ApiClient) -> None:
    # when a segment is created
    response = seg_api.post(
        "/api/segments/", {"name": "Valuable", "rules": TOP_OR_BIG, "persona_name": "Lotte"}
    )
    # then it comes back counted, with its rules in words
    body = response.json()
    assert response.status_code == 201
    assert body["last_count"] == 2
    assert body["rules_text"] == "Tier is any of Top, Big"
    assert body["version"] == 1 and body["campaigns"] == 0
    # and it can be read and listed
    assert seg_api.get(f"/api/segments/{body['id']}").json()["name"] == "Valuable"
    listed = seg_api.get("/api/segments/", {"q": "valu"}).json()
    assert listed["count"] == 1 and listed["items"][0]["persona_name"] == "Lotte"
    assert seg_api.get("/api/segments/999999").status_code == 404


def test_invalid_rules_are_422_with_the_condition_and_reason(seg_api: ApiClient) -> None:
    response = seg_api.post(
        "/api/segments/",
        {"name": "Bad", "rules": all_of(cond("tier", "gte", 1), cond("colour", "eq", "red"))},
    )
    detail = response.json()["detail"]
    assert response.status_code == 422
    assert [d["loc"] for d in detail] == [["body", "payload", "rules"]] * 2
    assert detail[0]["msg"].startswith("Condition 1 (Tier): the operator 'gte'")
    assert detail[1]["msg"] == "Condition 2: unknown field 'colour'."
    assert not Segment.objects.exists()
    not_a_group = seg_api.post("/api/segments/", {"name": "Bad", "rules": ["tier"]})
    assert not_a_group.status_code == 422


def test_duplicate_name_is_422(world: World, seg_api: ApiClient) -> None:
    segment_create(name="Valuable", rules=TOP_OR_BIG)
    response = seg_api.post("/api/segments/", {"name": "Valuable", "rules": TOP_OR_BIG})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "name"]


def test_update_with_version(world: World, seg_api: ApiClient) -> None:
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG)
    # when patched with the version read
    response = seg_api.patch(
        f"/api/segments/{segment.pk}", {"version": 1, "rules": all_of(cond("tier", "eq", 1))}
    )
    # then it changes and is recounted
    assert response.status_code == 200
    assert response.json()["last_count"] == 1 and response.json()["version"] == 2
    # and a patch with the old version is refused
    stale = seg_api.patch(f"/api/segments/{segment.pk}", {"version": 1, "name": "Other"})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    invalid = seg_api.patch(
        f"/api/segments/{segment.pk}",
        {"version": 2, "rules": all_of(cond("age", "gte", "old"))},
    )
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["msg"] == "Condition 1 (Age (years)): enter a number."
    null = seg_api.patch(f"/api/segments/{segment.pk}", {"version": 2, "name": None})
    assert null.status_code == 422


def test_delete_refused_while_used(world: World, seg_api: ApiClient) -> None:
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG)
    campaign = Campaign.objects.create(name="Spring", segment=segment, channel="email")
    refused = seg_api.raw("delete", f"/api/segments/{segment.pk}", "", "application/json")
    assert refused.status_code == 409
    assert "campaign “Spring”" in refused.json()["detail"]
    campaign.delete()
    stale = seg_api.raw("delete", f"/api/segments/{segment.pk}?version=7", "", "application/json")
    assert stale.status_code == 409
    deleted = seg_api.raw("delete", f"/api/segments/{segment.pk}", "", "application/json")
    assert deleted.status_code == 204
    assert not Segment.objects.exists()


def test_members_paginated(world: World, seg_api: ApiClient) -> None:
    segment = segment_create(
        name="Buyers", rules=any_of(cond("order_count", "gte", 1), cond("kind", "eq", "person"))
    )
    first = seg_api.get(f"/api/segments/{segment.pk}/members", {"limit": 2}).json()
    second = seg_api.get(f"/api/segments/{segment.pk}/members", {"limit": 2, "offset": 2}).json()
    assert first["count"] == 3
    assert [m["name"] for m in first["items"] + second["items"]] == [
        "Anna Jansen",
        "Ben de Boer",
        "Dana Visser",
    ]
    assert first["next"] is not None and second["next"] is None
    assert set(first["items"][0]) == {"id", "customer_number", "name"}


def test_members_need_customer_rights(world: World) -> None:
    api = _client("vic", customers=False)
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG)
    assert api.get(f"/api/segments/{segment.pk}/members").status_code == 403
    assert api.get(f"/api/segments/{segment.pk}").status_code == 200


def test_count_rules(world: World, seg_api: ApiClient) -> None:
    rules = all_of(
        cond("tier", "in", [1, 2]),
        any_of(cond("last_order", "not_within_last", 90), cond("cant_lose", "is_true")),
    )
    response = seg_api.post("/api/segments/count", {"rules": rules})
    assert response.status_code == 200
    assert response.json() == {"count": 2, "total": 4}
    invalid = seg_api.post(
        "/api/segments/count", {"rules": all_of(any_of(cond("tier", "in", ["x"])))}
    )
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["msg"] == "Condition 1.1 (Tier): unknown value 'x'."
    assert seg_api.post("/api/segments/count", {}).status_code == 422


def test_fields(seg_api: ApiClient) -> None:
    fields = {f["key"]: f for f in seg_api.get("/api/segments/fields").json()}
    assert fields["tier"]["type"] == "choice"
    assert ["1", "Top"] in fields["tier"]["choices"]
    assert fields["revenue"]["window"] is True
    assert "not_within_last" in fields["last_order"]["ops"]


def test_permissions(world: World) -> None:
    # given a token whose user may only view segments
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG)
    viewer = _client("viewer", codenames=("view_segment",))
    # then writes need add/change/delete
    assert viewer.get("/api/segments/").status_code == 200
    assert viewer.post("/api/segments/", {"name": "X"}).status_code == 403
    assert viewer.patch(f"/api/segments/{segment.pk}", {"version": 1}).status_code == 403
    assert (
        viewer.raw("delete", f"/api/segments/{segment.pk}", "", "application/json").status_code
        == 403
    )
    assert ApiClient(None).get("/api/segments/").status_code == 401
