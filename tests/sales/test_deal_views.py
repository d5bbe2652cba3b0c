from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from relata.sales.deal_services import deal_move
from relata.sales.models import Deal, DealStage
from relata.sales.services import LineInput, order_create
from tests.factories import CustomerFactory, ProductFactory
from tests.sales.deal_support import deal_with_product, new_deal

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _client_with_role(username: str, role: str) -> Client:
    user = User.objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def test_the_board_shows_the_open_deals_in_their_columns(logged_in_client: Client) -> None:
    # given
    new_deal(title="Office coffee", value=Decimal(1500))
    new_deal(title="Hotel breakfast", stage=DealStage.QUOTE)
    # when
    response = logged_in_client.get("/deals/")
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Office coffee" in body and "Hotel breakfast" in body
    assert 'data-stage="quote"' in body
    assert "vendor/sortablejs/Sortable.min.js" in body


def test_a_filter_request_from_htmx_gets_only_the_board(logged_in_client: Client) -> None:
    new_deal(title="Office coffee", customer=CustomerFactory(last_name="Dijkstra"))
    new_deal(title="Hotel breakfast")
    response = logged_in_client.get("/deals/", {"q": "dijkstra"}, headers=HTMX)
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="board"' in body
    assert "Office coffee" in body and "Hotel breakfast" not in body


def test_pages_need_a_login() -> None:
    response = Client().get("/deals/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_marketing_may_look_but_not_move() -> None:
    # given
    client = _client_with_role("mia", "marketing")
    deal = new_deal()
    # then
    assert client.get("/deals/").status_code == 200
    response = client.post(f"/deals/{deal.pk}/move/", {"stage": "quote", "version": 1})
    assert response.status_code == 403
    assert Deal.objects.get(pk=deal.pk).stage == DealStage.LEAD


def test_a_drop_on_won_creates_the_order_and_links_it(logged_in_client: Client) -> None:
    # given a deal with products
    deal = deal_with_product(title="Two machines")
    # when the card is dropped on Won (htmx POST with the card's version)
    response = logged_in_client.post(
        f"/deals/{deal.pk}/move/", {"stage": "won", "version": deal.version}, headers=HTMX
    )
    # then the board comes back with the success message and a link to the order
    deal.refresh_from_db()
    assert deal.order is not None
    body = response.content.decode()
    assert response.status_code == 200
    assert f"/orders/{deal.order.pk}/" in body
    assert deal.order.order_number in body
    assert "alert-success" in body


def test_a_stale_drop_reloads_the_board_with_a_message(logged_in_client: Client) -> None:
    # given someone moved the deal after this board was loaded at version 1
    deal = new_deal(title="Contested")
    deal_move(deal=deal, stage=DealStage.QUALIFIED, expected_version=1)
    # when the board moves it with the old version
    response = logged_in_client.post(
        f"/deals/{deal.pk}/move/", {"stage": "quote", "version": 1}, headers=HTMX
    )
    # then the move is refused with a clear message, and the board shows the deal where it is
    body = response.content.decode()
    assert "changed by someone else" in body
    assert "Reload the board" in body
    assert f'data-version="{deal.version}"' in body
    assert Deal.objects.get(pk=deal.pk).stage == DealStage.QUALIFIED


def test_a_move_to_lost_without_a_reason_is_explained(logged_in_client: Client) -> None:
    deal = new_deal()
    response = logged_in_client.post(
        f"/deals/{deal.pk}/move/", {"stage": "lost", "version": 1}, headers=HTMX
    )
    assert "Choose why the deal was lost" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage == DealStage.LEAD


@pytest.mark.parametrize(
    "data",
    [
        {"stage": "bogus", "version": 1},
        {"stage": "quote", "version": "abc"},
        {"stage": "quote"},
        {"stage": "lost", "version": 1, "lost_reason": "x" * 50},
    ],
)
def test_bad_move_input_is_a_message_not_an_error(logged_in_client: Client, data: dict) -> None:
    deal = new_deal()
    response = logged_in_client.post(f"/deals/{deal.pk}/move/", data, headers=HTMX)
    assert response.status_code == 200
    assert "The move could not be made" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).version == 1


def test_the_move_form_without_javascript_redirects_with_a_message(
    logged_in_client: Client,
) -> None:
    deal = new_deal()
    response = logged_in_client.post(
        f"/deals/{deal.pk}/move/",
        {"stage": "lost", "version": 1, "lost_reason": "no_budget", "next": "/deals/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/deals/"
    assert "moved to Lost" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).lost_reason == "no_budget"


def test_the_move_ignores_a_next_url_on_another_site(logged_in_client: Client) -> None:
    deal = new_deal()
    response = logged_in_client.post(
        f"/deals/{deal.pk}/move/",
        {"stage": "quote", "version": 1, "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/deals/{deal.pk}/"


@pytest.mark.parametrize("following", ["board", "-5", "0", "abc def"])
def test_a_next_that_is_not_a_path_falls_back_to_the_deal(
    logged_in_client: Client, following: str
) -> None:
    # given
    deal = new_deal()
    # when the form's next field holds something that is not a path on this site
    response = logged_in_client.post(
        f"/deals/{deal.pk}/move/", {"stage": "quote", "version": 1, "next": following}
    )
    # then the move is made and the user lands on the deal instead of an error page
    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.pk}/"
    assert Deal.objects.get(pk=deal.pk).stage == DealStage.QUOTE


@pytest.mark.parametrize("params", [{"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}])
def test_the_funnel_explains_an_impossible_date_instead_of_failing(
    logged_in_client: Client, params: dict[str, str]
) -> None:
    # given a deal, and a period typed with an extreme year
    new_deal()
    # when the funnel is asked for it
    response = logged_in_client.get("/deals/funnel/", params)
    # then the page names the problem
    assert response.status_code == 200
    assert "Enter a date between the years 1900 and 2199." in response.content.decode()


def test_creating_a_deal_starts_with_finding_the_customer(logged_in_client: Client) -> None:
    # given
    customer = CustomerFactory(last_name="Bakker", city="Zwolle")
    # when searching on the first step
    response = logged_in_client.get("/deals/new/", {"q": "bakker"})
    # then the customer can be chosen
    assert f"/deals/new/?customer={customer.pk}" in response.content.decode()


def test_creating_a_deal_with_products(logged_in_client: Client) -> None:
    # given
    customer = CustomerFactory()
    product = ProductFactory(price=Decimal("45.00"))
    data = {
        "customer": customer.pk,
        "title": "Beans subscription",
        "stage": "qualified",
        "owner": "",
        "source": "referral",
        "expected_close_date": "2026-12-31",
        "probability": "",
        "value": "",
        "notes": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": product.pk,
        "lines-0-quantity": "4",
        "lines-0-unit_price": "",
        # the empty extra lines as the browser sends them
        "lines-1-quantity": "1",
        "lines-2-quantity": "1",
    }
    # when
    response = logged_in_client.post(f"/deals/new/?customer={customer.pk}", data)
    # then
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.pk}/"
    assert (deal.stage, deal.probability, deal.value) == ("qualified", 30, Decimal("180.00"))
    assert deal.created_by is not None
    assert deal.stage_changes.get().to_stage == "qualified"


def test_a_tampered_line_count_is_capped_and_explained(logged_in_client: Client) -> None:
    # given a form post claiming an absurd number of product lines
    customer = CustomerFactory()
    data = {
        "customer": customer.pk,
        "title": "Beans subscription",
        "stage": "lead",
        "source": "referral",
        "lines-TOTAL_FORMS": "99999999999999999999999",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    # when
    response = logged_in_client.post(f"/deals/new/?customer={customer.pk}", data)
    # then the page comes back with at most 100 lines and says so, and nothing is saved
    body = response.content.decode()
    assert response.status_code == 200
    assert "Please submit at most 100 forms." in body
    assert body.count('name="lines-') <= 100 * 6
    assert not Deal.objects.exists()


def _edit_data(deal: Deal, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "customer": deal.customer_id,
        "title": deal.title,
        "owner": deal.owner_id or "",
        "source": deal.source,
        "expected_close_date": "",
        "probability": deal.probability,
        "value": deal.value,
        "notes": deal.notes,
        "version": deal.version,
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_two_people_editing_the_same_deal_never_lose_an_update(
    logged_in_client: Client,
) -> None:
    # given two forms loaded at the same version
    deal = new_deal(title="Catering", value=Decimal(100))
    other = _client_with_role("otto", "sales")
    assert (
        'name="version" value="1"'
        in logged_in_client.get(f"/deals/{deal.pk}/edit/").content.decode()
    )
    # when the first saves, then the second
    first = other.post(f"/deals/{deal.pk}/edit/", _edit_data(deal, title="Catering for 80"))
    second = logged_in_client.post(
        f"/deals/{deal.pk}/edit/", _edit_data(deal, notes="Wants oat milk")
    )
    # then the first is stored, the second is told and keeps what they typed
    assert first.status_code == 302
    body = second.content.decode()
    assert second.status_code == 409
    assert "changed by someone else" in body
    assert "Wants oat milk" in body
    assert f"/deals/{deal.pk}/edit/" in body
    stored = Deal.objects.get(pk=deal.pk)
    assert (stored.title, stored.notes, stored.version) == ("Catering for 80", "", 2)


def test_the_detail_shows_lines_history_and_the_order(logged_in_client: Client) -> None:
    deal = deal_with_product(title="Two machines")
    deal_move(deal=deal, stage=DealStage.WON)
    body = logged_in_client.get(f"/deals/{deal.pk}/").content.decode()
    assert deal.order is not None
    assert deal.order.order_number in body
    assert "Won" in body and "Lead" in body
    assert logged_in_client.get("/deals/999999/").status_code == 404


def test_the_list_filters_by_stage(logged_in_client: Client) -> None:
    new_deal(title="Open one")
    lost = new_deal(title="Lost one")
    deal_move(deal=lost, stage=DealStage.LOST, lost_reason="price")
    body = logged_in_client.get("/deals/list/", {"stage": "open"}).content.decode()
    assert "Open one" in body and "Lost one" not in body
    body = logged_in_client.get("/deals/list/", {"stage": "bogus"}).content.decode()
    assert "Open one" in body and "Lost one" in body


def test_the_funnel_page_shows_the_chart_data(logged_in_client: Client) -> None:
    new_deal()
    response = logged_in_client.get("/deals/funnel/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="funnel-data"' in body
    assert "vendor/echarts/echarts.min.js" in body
    bad = logged_in_client.get(
        "/deals/funnel/", {"date_from": "2026-12-31", "date_to": "2026-01-01"}
    )
    assert "on or before the end date" in bad.content.decode()


def test_the_win_back_page_lists_lost_customers(logged_in_client: Client) -> None:
    # given nobody lost yet
    response = logged_in_client.get("/deals/win-back/")
    assert response.status_code == 200
    assert "No lost profitable customers" in response.content.decode()
    # when a customer who bought at a profit, without an account owner, loses a deal
    customer = CustomerFactory(last_name="Visser", account_owner=None)
    order_create(
        customer=customer, lines=[LineInput(product=ProductFactory(), quantity=Decimal(1))]
    )
    deal = new_deal(customer=customer, title="Second coffee corner", value=Decimal(2400))
    deal_move(deal=deal, stage=DealStage.LOST, lost_reason="competitor")
    # then the page lists them with the deal and the reason
    body = logged_in_client.get("/deals/win-back/").content.decode()
    assert "Visser" in body
    assert "Second coffee corner" in body
    assert "Chose a competitor" in body


def test_the_win_back_page_names_the_owner_of_the_lost_deal(logged_in_client: Client) -> None:
    # given a profitable customer whose deal, owned by Sanne, was lost
    owner = User.objects.create_user("sanne", first_name="Sanne", last_name="de Vries")
    customer = CustomerFactory(last_name="Visser", account_owner=None)
    order_create(
        customer=customer, lines=[LineInput(product=ProductFactory(), quantity=Decimal(1))]
    )
    deal = new_deal(customer=customer, owner=owner)
    deal.owner = owner
    deal.save(update_fields=["owner"])
    deal_move(deal=deal, stage=DealStage.LOST, lost_reason="competitor")
    # when
    body = logged_in_client.get("/deals/win-back/").content.decode()
    # then the owner shows by name, as on the other deal pages, not by login name
    assert "<td>Sanne de Vries</td>" in body
    assert "<td>sanne</td>" not in body


def test_the_customer_file_shows_the_deals_card(logged_in_client: Client) -> None:
    deal = new_deal(title="Espresso machine")
    body = logged_in_client.get(f"/customers/{deal.customer_id}/").content.decode()
    assert "Espresso machine" in body
    assert f"/deals/new/?customer={deal.customer_id}" in body


def test_a_refused_move_without_javascript_lands_on_the_deal_with_the_reason(
    logged_in_client: Client,
) -> None:
    # given a deal without products
    deal = new_deal(title="Bare deal")
    # when the card's form moves it to Won
    response = logged_in_client.post(
        f"/deals/{deal.pk}/move/", {"stage": "won", "version": 1, "next": "/deals/"}, follow=True
    )
    # then the deal page explains why, and offers the full move form
    assert response.redirect_chain[-1][0] == f"/deals/{deal.pk}/"
    body = response.content.decode()
    assert "Add the products to the deal before marking it won" in body
    assert 'id="move-form"' in body


@pytest.mark.parametrize(
    "params",
    [
        {"customer": "9" * 25},
        {"owner": "²"},
    ],
)
def test_the_deal_list_ignores_ids_no_database_holds(
    logged_in_client: Client, params: dict[str, str]
) -> None:
    # given a deal
    new_deal(title="Office coffee")
    # when the list is filtered by a customer id too large for a column or a non-ASCII digit
    response = logged_in_client.get("/deals/list/", params)
    # then the page answers instead of failing
    assert response.status_code == 200


def test_new_deal_with_a_superscript_digit_as_customer_asks_for_the_customer(
    logged_in_client: Client,
) -> None:
    # given a customer parameter that is a digit to str.isdigit but not a number to int()
    # when opening the new-deal page with it
    response = logged_in_client.get("/deals/new/", {"customer": "²"})
    # then the customer search is shown
    assert response.status_code == 200
    assert "deals/customer_pick.html" in [t.name for t in response.templates]
