"""The next-best-offer pages (summary with evaluation, rules explorer, recompute) and the
"Next best offers" card on the customer file."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse

from relata.engagement import offer_views
from relata.engagement.models import OfferRun
from relata.engagement.offer_services import offer_run_create
from tests.engagement.offer_support import ALL_RULES, buy, grant_offers, offer_shop

pytestmark = pytest.mark.django_db


def client_of(username: str, role: str | None) -> Client:
    user = User.objects.create_user(username, password="a-long-test-password")
    if role:
        user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer(db: None) -> Client:
    """A sales user: sees offers and rules, may not recompute them."""
    return client_of("sanne", "sales")


@pytest.fixture
def manager(db: None) -> Client:
    """A marketing user: may add offer runs."""
    return client_of("lotte", "marketing")


@pytest.fixture
def outsider(db: None) -> Client:
    """A user without any role."""
    return client_of("piet", None)


def test_summary_without_a_run_explains_how_to_compute(viewer: Client) -> None:
    # given no offer run
    # when the summary is opened
    response = viewer.get(reverse("offers:summary"))

    # then it says how offers are computed, without a recompute button for a viewer
    assert response.status_code == 200
    assert "No offers computed yet" in response.content.decode()
    assert 'id="recompute"' not in response.content.decode()


def test_summary_shows_figures_evaluation_and_rules(viewer: Client) -> None:
    # given an evaluated run
    shop = offer_shop()
    buy(shop.eva, shop.beans, day=date(2026, 1, 5))
    run = offer_run_create(settings=ALL_RULES, evaluate=True)

    # when the summary is opened
    response = viewer.get(reverse("offers:summary"))

    # then it shows the run's figures, model against popularity and the strongest rules
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["run"] == run
    assert [row.name for row in response.context["evaluation_rows"]] == [
        "precision",
        "recall",
        "hit_rate",
    ]
    assert "Precision@5" in html and "Model ÷ popularity" in html
    assert "Espresso machine Basic" in html  # in a cross-category rule
    assert all(
        rule.antecedent.category_id != rule.consequent.category_id
        for rule in response.context["top_rules"]
    )


def test_pages_need_the_offer_permissions(outsider: Client) -> None:
    # given a user without the offer permissions
    # when / then
    assert outsider.get(reverse("offers:summary")).status_code == 403
    assert outsider.get(reverse("offers:rules")).status_code == 403
    assert outsider.post(reverse("offers:recompute")).status_code == 403


def test_a_user_with_only_the_permission_may_recompute(db: None) -> None:
    # given a user without a role but with the add permission on offer runs
    offer_shop()
    user = grant_offers(User.objects.create_user("kim", password="a-long-test-password"))
    client = Client()
    client.force_login(user)

    # when they recompute, then a run is made
    assert client.post(reverse("offers:recompute")).status_code == 302
    assert OfferRun.objects.count() == 1


def test_rules_explorer_filters_sorts_and_paginates(viewer: Client) -> None:
    # given a run with the shop's four rules
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when the rules with the cups are asked for, by confidence
    response = viewer.get(reverse("offers:rules"), {"product": shop.cups.pk, "sort": "-confidence"})

    # then the two rules with the cups come, C1 → M1 (1/2) before M1 → C1 (1/3)
    assert response.status_code == 200
    rules = list(response.context["page"].object_list)
    assert [(r.antecedent.sku, r.consequent.sku) for r in rules] == [("C1", "M1"), ("M1", "C1")]
    # and a text search, across categories only, on the htmx fragment
    fragment = viewer.get(
        reverse("offers:rules"), {"q": "beans", "across": "on"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert len(fragment.context["page"].object_list) == 2


def test_rules_explorer_names_a_bad_filter(viewer: Client) -> None:
    # given a run
    offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when the category is not a number
    response = viewer.get(reverse("offers:rules"), {"category": "abc"})

    # then the page says which field is wrong, no 500
    assert response.status_code == 400
    assert "Category" in response.context["error"]


def test_recompute_is_for_managers(viewer: Client, manager: Client) -> None:
    # given the shop and no run
    offer_shop()

    # when a viewer posts recompute, then it is refused
    assert viewer.post(reverse("offers:recompute")).status_code == 403
    assert not OfferRun.objects.exists()

    # when a manager does, with the evaluation ticked
    response = manager.post(reverse("offers:recompute"), {"evaluate": "on"}, follow=True)

    # then the run is made and the message says how long it took
    run = OfferRun.objects.get()
    assert run.evaluation["k"] == 5
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Offers computed in" in text and "6 baskets" in text


def test_recompute_keeps_the_settings_of_the_last_run(manager: Client) -> None:
    # given a run computed without thresholds
    offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when a manager recomputes
    manager.post(reverse("offers:recompute"))

    # then the new run used the same settings (and so found the same four rules)
    latest = OfferRun.objects.order_by("-pk").first()
    assert latest is not None
    assert latest.settings_used["min_pair_count"] == 1
    assert latest.rules == 4


def test_recompute_refuses_too_many_customers(
    manager: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given more customers than the page computes while one waits
    offer_shop()
    monkeypatch.setattr(offer_views, "RECOMPUTE_MAX_CUSTOMERS", 2)

    # when a manager recomputes
    response = manager.post(reverse("offers:recompute"), follow=True)

    # then it points to the command instead
    assert not OfferRun.objects.exists()
    assert "relata offers" in " ".join(str(m) for m in response.context["messages"])


def test_customer_file_shows_the_offers_card(viewer: Client) -> None:
    # given a run
    shop = offer_shop()
    offer_run_create(settings=ALL_RULES)

    # when carla's file is opened
    response = viewer.get(reverse("customers:detail", args=[shop.carla.pk]))

    # then the card lists her offers with kind, reason, price and a deal link
    html = response.content.decode()
    assert 'id="customer-offers"' in html
    assert "Espresso beans" in html and "Cross-sell" in html and "Up-sell" in html
    assert "Often bought together with Espresso machine Basic" in html
    assert "€ 10.00" in html
    assert f"{reverse('deals:create')}?customer={shop.carla.pk}" in html


def test_customer_card_before_any_run_and_without_permission(viewer: Client, db: None) -> None:
    # given the shop, no run
    shop = offer_shop()

    # when the file is opened by a viewer, then the card says no offers were computed
    html = viewer.get(reverse("customers:detail", args=[shop.carla.pk])).content.decode()
    assert "No offers computed yet" in html

    # when a user who may see customers but not offers opens it, the card is not there
    other = User.objects.create_user("piet", password="a-long-test-password")
    other.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client = Client()
    client.force_login(other)
    html = client.get(reverse("customers:detail", args=[shop.carla.pk])).content.decode()
    assert 'id="customer-offers"' not in html


def test_summary_says_when_the_evaluation_had_nobody_to_compare(viewer: Client) -> None:
    # given a run evaluated on a test window in which nobody bought anything new
    offer_shop()
    offer_run_create(settings=ALL_RULES, evaluate=True)

    # when the summary is opened
    html = viewer.get(reverse("offers:summary")).content.decode()

    # then it says there is nothing to compare instead of a table of zeros
    assert "nothing to compare yet" in html
    assert "Model ÷ popularity" not in html
