"""The segment pages: list, builder (create/edit, preview), persona page, duplicate, delete,
export, and permissions."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from relata.customers.models import Customer
from relata.engagement import segment_persona as persona_module
from relata.engagement.models import Campaign, Segment, TriggerRule
from relata.engagement.segment_services import segment_create
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
    cache.clear()  # the persona's figures for all customers are cached
    return build_world()


@pytest.fixture
def marketer(db: None) -> User:
    return user_with_segment_rights("mara")


@pytest.fixture
def client_m(marketer: User) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


def _post_segment(client: Client, url: str, rules: object, **fields: object) -> object:
    data = {"name": "Valuable", "description": "", "rules": json.dumps(rules), **fields}
    return client.post(url, data)


def test_create_a_segment_through_the_builder_form(world: World, client_m: Client) -> None:
    # given the builder page
    page = client_m.get("/segments/new/")
    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="segment-catalogue"' in content
    assert "segment_builder.js" in content
    # when a segment is posted with its rules as JSON
    response = _post_segment(client_m, "/segments/new/", TOP_OR_BIG)
    # then it is saved, counted, and the persona page opens
    segment = Segment.objects.get(name="Valuable")
    assert response.status_code == 302
    assert response["Location"] == f"/segments/{segment.pk}/"
    assert segment.rules == TOP_OR_BIG
    assert segment.last_count == 2
    assert segment.created_by is not None


def test_invalid_rules_are_shown_with_the_condition_and_reason(client_m: Client) -> None:
    # when rules with an unknown field and rules that are not JSON are posted
    response = _post_segment(client_m, "/segments/new/", all_of(cond("colour", "eq", "red")))
    broken = client_m.post("/segments/new/", {"name": "X", "rules": "{not json"})
    # then the form is shown again with readable messages, and nothing is saved
    assert response.status_code == 200
    assert "Condition 1: unknown field &#x27;colour&#x27;." in response.content.decode()
    assert "not valid JSON" in broken.content.decode()
    assert not Segment.objects.exists()


def test_count_button_previews_without_saving(world: World, client_m: Client) -> None:
    # when the form's Count button is used (the way without JavaScript)
    response = _post_segment(client_m, "/segments/new/", TOP_OR_BIG, preview="1")
    # then the count and the first members are shown and nothing is saved
    content = response.content.decode()
    assert 'data-count="2"' in content
    assert "Anna" in content and "Ben" in content
    assert not Segment.objects.exists()


def test_live_preview_fragment(world: World, client_m: Client) -> None:
    # when the builder asks for the count of a tree with an OR group
    rules = all_of(
        cond("tier", "in", [1, 2]),
        any_of(cond("last_order", "not_within_last", 90), cond("open_complaint", "is_true")),
    )
    response = client_m.post("/segments/preview/", {"rules": json.dumps(rules)})
    # then the fragment holds the count, the share, the reading of the rules and the member
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-count="1"' in content
    assert "25.0% of 4" in content
    assert "Ben" in content and "Anna" not in content
    assert "Tier is any of Top, Big and (Last order not in the last 90 days or" in content


def test_live_preview_reports_incomplete_rules(client_m: Client) -> None:
    response = client_m.post(
        "/segments/preview/", {"rules": json.dumps(all_of(cond("tier", "in", [])))}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Not counted yet" in content
    assert "Condition 1 (Tier): choose at least one value." in content


def test_preview_without_customer_rights_shows_only_the_count(world: World) -> None:
    # given a user who may see segments but not customers
    client = Client()
    client.force_login(user_with_segment_rights("vic", customers=False))
    # when the preview is asked for
    response = client.post("/segments/preview/", {"rules": json.dumps(TOP_OR_BIG)})
    # then the count is shown, the names are not
    content = response.content.decode()
    assert 'data-count="2"' in content
    assert "Anna" not in content


def test_edit_with_a_stale_version_is_refused(world: World, client_m: Client) -> None:
    # given a segment that someone else saved after the editor loaded it (version 1)
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG)
    other = Client()
    other.force_login(user_with_segment_rights("otto"))
    _post_segment(other, f"/segments/{segment.pk}/edit/", TOP_OR_BIG, version=1, name="Theirs")
    # when the first editor saves with the version they loaded
    response = _post_segment(
        client_m, f"/segments/{segment.pk}/edit/", all_of(cond("tier", "eq", 1)), version=1
    )
    # then the save is refused with a message and the other's change stays
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    segment.refresh_from_db()
    assert segment.name == "Theirs"
    assert segment.rules == TOP_OR_BIG


def test_edit_saves_and_recounts(world: World, client_m: Client) -> None:
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG)
    page = client_m.get(f"/segments/{segment.pk}/edit/")
    assert 'data-count="2"' in page.content.decode()
    response = _post_segment(
        client_m, f"/segments/{segment.pk}/edit/", all_of(cond("tier", "eq", 1)), version=1
    )
    segment.refresh_from_db()
    assert response.status_code == 302
    assert segment.last_count == 1
    assert segment.version == 2


def test_list_shows_counts_rules_and_use(world: World, client_m: Client) -> None:
    # given a segment used by a campaign and a trigger rule
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG, description="Best ones")
    Campaign.objects.create(name="Spring", segment=segment, channel="email")
    TriggerRule.objects.create(name="Welcome", event="complaint", segment=segment, action="task")
    # when the list is opened (and searched with htmx)
    page = client_m.get("/segments/")
    search = client_m.get("/segments/", {"q": "nothing"}, headers={"HX-Request": "true"})
    # then each segment shows its rules in words, its count and where it is used
    content = page.content.decode()
    assert "Valuable" in content and "Best ones" in content
    assert "Tier is any of Top, Big" in content
    assert "1 campaign" in content and "1 trigger rule" in content
    assert "No segment matches the search." in search.content.decode()
    assert "<html" not in search.content.decode()


def test_persona_page_shows_profile_behaviour_value_and_consent(
    world: World, client_m: Client
) -> None:
    # given a segment of Anna and Ben
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG)
    # when its persona page is opened
    response = client_m.get(f"/segments/{segment.pk}/")
    # then it shows the count, the share and the figures against all customers
    content = response.content.decode()
    persona = response.context["persona"]
    assert response.status_code == 200
    assert persona.count == 2 and persona.total == 4
    assert 'id="persona-share">50.00%' in content
    kinds = {row.key: row for row in persona.profile[0].rows}
    assert kinds["person"].share == 1.0 and kinds["person"].base_share == 0.75
    assert kinds["person"].index == 133
    tiers = {row.key: row for row in persona.value_mix[0].rows}
    assert tiers["1"].count == 1 and tiers["2"].count == 1
    orders = {m.key: m for m in persona.behaviour}
    assert orders["orders"].value == 1.5  # 3 orders of 2 customers (cancelled not counted)
    assert orders["aov"].value == pytest.approx(300.0)
    consent = {row.key: row for row in persona.consent.rows}
    assert consent["email"].count == 1
    assert "vendor/echarts/echarts.min.js" in content
    assert 'id="persona-data"' in content
    segment.refresh_from_db()
    assert segment.last_count == 2


def test_persona_of_a_large_population_probes_a_sample(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given sampling from two customers on (every second id of the four)
    monkeypatch.setattr(persona_module, "SMALL_SEGMENT", 0)
    monkeypatch.setattr(persona_module, "SAMPLE_SIZE", 2)
    customers = [world.anna, world.ben, world.acme, world.dana]
    sampled = [c for c in customers if c.pk % 2 == 0]
    # when the persona of everyone is computed
    persona = persona_module.segment_persona(Customer.objects.all(), count=4)
    # then the facts come from the sample, scaled to the four customers
    buyers = sum(1 for c in sampled if c != world.acme)
    assert persona.sampled == len(sampled)
    assert {m.key: m for m in persona.behaviour}["buyers"].value == pytest.approx(
        round(buyers * 4 / len(sampled)) / 4
    )
    # and the exactly counted figures are exact
    assert {row.key: row.count for row in persona.profile[0].rows} == {
        "person": 3,
        "organisation": 1,
    }


def test_persona_edit(world: World, client_m: Client) -> None:
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG)
    response = client_m.post(
        f"/segments/{segment.pk}/persona/",
        {"persona_name": "Loyal Lotte", "persona_story": "Buys coffee weekly.", "version": 1},
    )
    segment.refresh_from_db()
    assert response.status_code == 302
    assert segment.persona_name == "Loyal Lotte"
    assert "Loyal Lotte" in client_m.get(f"/segments/{segment.pk}/").content.decode()
    stale = client_m.post(f"/segments/{segment.pk}/persona/", {"persona_name": "Old", "version": 1})
    assert stale.status_code == 409


def test_persona_page_of_a_segment_whose_rules_broke(world: World, client_m: Client) -> None:
    # given saved rules naming a field that no longer exists
    segment = Segment.objects.create(name="Old", rules=all_of(cond("shoe_size", "gte", 40)))
    response = client_m.get(f"/segments/{segment.pk}/")
    assert response.status_code == 200
    assert "unknown field &#x27;shoe_size&#x27;" in response.content.decode()
    export = client_m.get(f"/segments/{segment.pk}/members.csv")
    assert export.status_code == 302


def test_duplicate(world: World, client_m: Client) -> None:
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG, persona_name="Lotte")
    response = client_m.post(f"/segments/{segment.pk}/duplicate/")
    again = client_m.post(f"/segments/{segment.pk}/duplicate/")
    copy = Segment.objects.get(name="Valuable (copy)")
    assert response.status_code == 302 and again.status_code == 302
    assert copy.rules == segment.rules and copy.persona_name == "Lotte"
    assert Segment.objects.filter(name="Valuable (copy 2)").exists()


def test_delete_is_refused_while_used_and_allowed_after(world: World, client_m: Client) -> None:
    # given a segment used by a campaign
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG)
    campaign = Campaign.objects.create(name="Spring", segment=segment, channel="email")
    # when deletion is asked
    page = client_m.get(f"/segments/{segment.pk}/delete/")
    refused = client_m.post(f"/segments/{segment.pk}/delete/", {"version": 1}, follow=True)
    # then it is refused with a message naming the campaign
    assert "Campaign “Spring”" in page.content.decode()
    assert "used by campaign “Spring”" in refused.content.decode()
    assert Segment.objects.filter(pk=segment.pk).exists()
    # and once the campaign is gone, it is deleted
    campaign.delete()
    response = client_m.post(f"/segments/{segment.pk}/delete/", {"version": 1})
    assert response.status_code == 302
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_export_members_as_csv(world: World, client_m: Client) -> None:
    segment = segment_create(name="Valuable people", rules=TOP_OR_BIG)
    response = client_m.get(f"/segments/{segment.pk}/members.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert response["Content-Disposition"].startswith(
        'attachment; filename="segment-valuable-people-'
    )
    assert rows[0][:2] == ["Customer number", "Name"]
    assert sorted(row[1] for row in rows[1:]) == ["Anna Jansen", "Ben de Boer"]


def test_suggestions_for_text_fields(world: World, client_m: Client) -> None:
    cities = client_m.get("/segments/suggest/", {"field": "city"}).json()["values"]
    assert {"Utrecht", "Amsterdam", "Rotterdam"} <= set(cities)
    assert client_m.get("/segments/suggest/", {"field": "tier"}).json() == {"values": []}


def test_permissions(world: World) -> None:
    # given a user with no segment permission, and one who may only view
    nobody, viewer = Client(), Client()
    nobody.force_login(User.objects.create_user("nobody", password="a-long-test-password"))
    viewer.force_login(user_with_segment_rights("viewer", codenames=("view_segment",)))
    segment = segment_create(name="Valuable", rules=TOP_OR_BIG)
    # then the pages answer 403 where the permission is missing
    assert nobody.get("/segments/").status_code == 403
    assert viewer.get("/segments/").status_code == 200
    assert viewer.get(f"/segments/{segment.pk}/").status_code == 200
    assert viewer.get("/segments/new/").status_code == 403
    assert viewer.get(f"/segments/{segment.pk}/edit/").status_code == 403
    assert viewer.post(f"/segments/{segment.pk}/delete/").status_code == 403
    assert viewer.post(f"/segments/{segment.pk}/duplicate/").status_code == 403


def test_the_list_reads_the_products_and_categories_once_however_many_segments(
    world: World, client_m: Client
) -> None:
    # given segments on products and categories
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relata.sales.models import Product, ProductCategory

    product = Product.objects.order_by("pk").first()
    category = ProductCategory.objects.order_by("pk").first()
    assert product is not None and category is not None

    def make(n: int) -> None:
        for i in range(n):
            Segment.objects.create(
                name=f"Buyers {Segment.objects.count()}-{i}",
                rules=all_of(
                    cond("products", "any_of", [product.pk]),
                    cond("categories", "any_of", [category.pk]),
                ),
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_m.get("/segments/").status_code == 200
        return len(captured.captured_queries)

    make(2)
    few = queries()
    # when there are many more
    make(10)
    many = queries()
    # then the page makes the same number of queries
    assert many == few
