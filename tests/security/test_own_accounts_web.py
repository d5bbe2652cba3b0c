""" "Sales see only their own accounts" in the web UI (issue 7, part 1).

With the installation setting on, a sales-only user is kept to the customers they own: lists
leave the others out, pages about another customer's objects answer 404, pages that list
customers across the whole book answer 403, and no page they can open shows another
customer's name. Other roles, and everyone with the setting off, see the whole book.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client, override_settings

from relata.accounts import roles
from relata.accounts.middleware import CUSTOMER_OF, WHOLE_BOOK
from relata.accounts.models import AccessSettings
from relata.customers.models import ContactPerson, CustomerKind
from relata.engagement.loyalty_forms import EnrolForm
from relata.engagement.models import (
    CampaignContact,
    FiringOutcome,
    LoyaltyMember,
    OutboxMessage,
    Referral,
    TriggerFiring,
)
from relata.engagement.referral_services import referral_code_issue, referral_record
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from tests.contacts.task_support import make_task
from tests.engagement.trigger_support import buy
from tests.factories import (
    ComplaintFactory,
    ContactMomentFactory,
    CustomerFactory,
    ReviewFactory,
    SocialProfileFactory,
    SurveyResponseFactory,
)
from tests.sales.deal_support import new_deal
from tests.security.test_web_role_matrix import (
    POST_ONLY,
    PUBLIC,
    READS,
    SPEC,
    World,
    _build_world,
    holds,
)

FOREIGN_NAME = "Zyxwvforeign"
FOREIGN_NUMBER = "FOREIGN-1"


def _foreign_objects(world: World, colleague: User) -> dict[str, Any]:
    """Another salesperson's customer with one of everything, named so it can be found."""
    customer = CustomerFactory(
        kind=CustomerKind.ORGANISATION,
        organisation_name=f"{FOREIGN_NAME} BV",
        last_name=FOREIGN_NAME,
        customer_number=FOREIGN_NUMBER,
        account_owner=colleague,
    )
    referred = CustomerFactory(last_name=f"{FOREIGN_NAME}friend", account_owner=colleague)
    SurveyResponseFactory(survey=world.objects["survey"], customer=customer)
    campaign = world.objects["campaign"]
    return {
        "customer": customer,
        "other_customer": referred,
        "contact_person": ContactPerson.objects.create(
            organisation=customer, last_name=f"{FOREIGN_NAME}person", dmu_role="user"
        ),
        "order": buy(customer, date(2026, 5, 2)),
        "deal": new_deal(customer=customer, owner=colleague, title=f"{FOREIGN_NAME} deal"),
        "complaint": ComplaintFactory(customer=customer, subject=f"{FOREIGN_NAME} complaint"),
        "task": make_task(customer, title=f"{FOREIGN_NAME} task", assignee=colleague),
        "moment": ContactMomentFactory(customer=customer, subject=f"{FOREIGN_NAME} call"),
        "campaign_contact": CampaignContact.objects.create(
            campaign=campaign, customer=customer, token="foreign-token"
        ),
        "message": OutboxMessage.objects.create(
            customer=customer, channel="phone", purpose="marketing", body="Call"
        ),
        "referral": Referral.objects.create(
            referrer=customer,
            referred=referred,
            code=referral_code_issue(customer=customer),
            referred_on=date(2026, 2, 2),
        ),
        "review": ReviewFactory(customer=customer, title=f"{FOREIGN_NAME} review"),
        "social_profile": SocialProfileFactory(customer=customer),
    }


def _score(*customers: Any) -> None:
    """A complete score run in which every customer is on each of the value page's short
    lists (at risk, loss-making, influential with low spend)."""
    run = ScoreRun.objects.create(period_end=date(2026, 6, 30), status=RunStatus.COMPLETE)
    for customer in customers:
        CustomerSnapshot.objects.create(
            run=run,
            period_end=run.period_end,
            customer=customer,
            tier=4,
            movement=4,
            rfm_segment=1,
            value_grid=1,
            churn_level=2,
            lifecycle_stage=4,
            risk=True,
            loss_making=True,
            influence_score=90,
        )


class Worlds:
    def __init__(self, own: World, foreign: World, colleague: User) -> None:
        self.own = own
        self.foreign = foreign
        self.colleague = colleague

    @property
    def sales(self) -> Client:
        return self.own.clients[roles.SALES]


@pytest.fixture(scope="module")
def worlds(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worlds]:
    """The matrix world (its customer is the sales user's own) plus a colleague's customer;
    the setting is on. Built once, rolled back at the end; each test runs in a savepoint."""
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("own_media")))
    media.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        own = _build_world()
        colleague = User.objects.create_user("colleague")
        colleague.groups.add(Group.objects.get(name=roles.SALES))
        foreign = World(
            users=own.users,
            objects={**own.objects, **_foreign_objects(own, colleague)},
            clients=own.clients,
        )
        _score(own.objects["customer"], foreign.objects["customer"])
        settings_row = AccessSettings.current()
        settings_row.sales_own_accounts_only = True
        settings_row.save()
    try:
        yield Worlds(own, foreign, colleague)
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        media.disable()


def _sales_can(name: str, method: str) -> bool:
    get_need, post_need = SPEC[name]
    need = get_need if method == "GET" else post_need
    if need is READS:
        need = get_need
    return need not in (PUBLIC, POST_ONLY) and holds(roles.SALES, need)


def _request(client: Client, method: str, url: str) -> Any:
    return client.get(url) if method == "GET" else client.post(url, {})


OBJECT_PAGES = [
    pytest.param(name, method, id=f"{method}-{name}")
    for name in sorted(CUSTOMER_OF)
    for method in ("GET", "POST")
    if name in SPEC and _sales_can(name, method)
]
LIST_PAGES = [
    pytest.param(name, id=name)
    for name in sorted(SPEC)
    if _sales_can(name, "GET") and name not in CUSTOMER_OF
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), OBJECT_PAGES)
def test_another_accounts_object_is_not_found(worlds: Worlds, name: str, method: str) -> None:
    # given a restricted sales user and a page about the colleague's customer or its objects
    url = worlds.foreign.url(name, roles.SALES)
    # when they open it (or post to it)
    response = _request(worlds.sales, method, url)
    # then it does not exist for them
    assert response.status_code == 404, f"{method} {url}: {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), OBJECT_PAGES)
def test_own_accounts_object_is_reachable(worlds: Worlds, name: str, method: str) -> None:
    # given a restricted sales user and a page about their own customer or its objects
    url = worlds.own.url(name, roles.SALES)
    # when they open it (or post to it)
    response = _request(worlds.sales, method, url)
    # then the guard lets them through
    assert response.status_code not in (403, 404), f"{method} {url}: {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", LIST_PAGES)
def test_no_page_shows_another_accounts_customer(worlds: Worlds, name: str) -> None:
    # given a restricted sales user, and a colleague's customer with one of everything
    url = worlds.own.url(name, roles.SALES)
    # when they open any page their role allows
    response = worlds.sales.get(url)
    # then it is refused as a whole-book list, or it never names the colleague's customer
    if name in WHOLE_BOOK:
        assert response.status_code == 403, f"{url}: {response.status_code}"
        return
    assert response.status_code != 403, f"{url}: refused, but not a whole-book list"
    body = b"".join(response) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    assert FOREIGN_NAME not in text, url
    assert FOREIGN_NUMBER not in text, url


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(WHOLE_BOOK & set(SPEC)))
def test_whole_book_lists_stay_open_to_back_office(worlds: Worlds, name: str) -> None:
    # given the back office (never restricted) and a whole-book list its role allows
    get_need, post_need = SPEC[name]
    method = "POST" if get_need is POST_ONLY else "GET"
    need = post_need if method == "POST" else get_need
    assert holds(roles.BACK_OFFICE, need), f"{name} is no page of the back office"
    url = worlds.own.url(name, roles.BACK_OFFICE)
    # when they open it
    response = _request(worlds.own.clients[roles.BACK_OFFICE], method, url)
    # then it is not refused
    assert response.status_code != 403, url


@pytest.mark.django_db
def test_lists_show_own_customers_and_leave_out_the_others(worlds: Worlds) -> None:
    # given a restricted sales user whose own customer is Matrix BV
    own = worlds.own.objects
    pages = {
        "/customers/": "Matrix BV",
        "/orders/": own["order"].order_number,
        "/deals/list/": own["deal"].title,
        "/contacts/": own["moment"].subject,
        "/complaints/": own["complaint"].subject,
    }
    for path, own_text in pages.items():
        # when they open the list
        text = worlds.sales.get(path).content.decode()
        # then their own customer's row is there and the colleague's is not
        assert own_text in text, path
        assert FOREIGN_NAME not in text, path


@pytest.mark.django_db
def test_deal_board_shows_only_own_deals(worlds: Worlds) -> None:
    # when the restricted sales user opens the board
    text = worlds.sales.get("/deals/").content.decode()
    # then their deal is on it and the colleague's is not
    assert worlds.own.objects["deal"].title in text
    assert FOREIGN_NAME not in text


@pytest.mark.django_db
def test_a_task_assigned_to_the_user_stays_visible(worlds: Worlds) -> None:
    # given a task about the colleague's customer, assigned to the restricted sales user
    task = worlds.foreign.objects["task"]
    task.assignee = worlds.own.users[roles.SALES]
    task.save()
    # when they open their inbox and the task
    inbox = worlds.sales.get("/tasks/").content.decode()
    detail = worlds.sales.get(f"/tasks/{task.pk}/")
    # then they see it
    assert task.title in inbox
    assert detail.status_code == 200


@pytest.mark.django_db
def test_all_tasks_tab_leaves_out_other_accounts(worlds: Worlds) -> None:
    # when the restricted sales user opens every task
    text = worlds.sales.get("/tasks/", {"tab": "all"}).content.decode()
    # then the colleague's customer's task is not among them
    assert FOREIGN_NAME not in text


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["customers", "orders", "contacts"])
def test_exports_hold_only_own_accounts(worlds: Worlds, kind: str) -> None:
    # when the restricted sales user exports a kind as CSV
    response = worlds.sales.get(f"/imports/export/{kind}.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response).decode("utf-8-sig"))))
    # then their own customer's rows are in it and the colleague's are not
    numbers = {cell for row in rows[1:] for cell in row}
    assert response.status_code == 200
    assert worlds.own.objects["customer"].customer_number in numbers
    assert FOREIGN_NUMBER not in numbers


@pytest.mark.django_db
def test_exports_of_other_roles_hold_every_customer(worlds: Worlds) -> None:
    # when the back office exports customers
    response = worlds.own.clients[roles.BACK_OFFICE].get("/imports/export/customers.csv")
    # then the colleague's customer is in it
    assert FOREIGN_NUMBER in b"".join(response).decode("utf-8-sig")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/orders/new/?customer={pk}",
        "/deals/new/?customer={pk}",
        "/complaints/new/?customer={pk}",
        "/tasks/new/?customer={pk}",
        "/reviews/new/?customer={pk}",
    ],
)
def test_creating_for_another_accounts_customer_is_not_found(worlds: Worlds, path: str) -> None:
    # given the colleague's customer
    url = path.format(pk=worlds.foreign.objects["customer"].pk)
    # when the restricted sales user opens a create page for them
    response = worlds.sales.get(url)
    # then that customer does not exist for them
    assert response.status_code == 404


@pytest.mark.django_db
def test_posting_a_review_for_another_accounts_customer_number_is_not_found(
    worlds: Worlds,
) -> None:
    # when the restricted sales user posts a review naming the colleague's customer number
    response = worlds.sales.post("/reviews/new/", {"customer": FOREIGN_NUMBER, "rating": "5"})
    # then that customer does not exist for them, and nothing is stored
    assert response.status_code == 404
    assert (
        not worlds.foreign.objects["customer"]
        .reviews.exclude(pk=worlds.foreign.objects["review"].pk)
        .exists()
    )


@pytest.mark.django_db
def test_posting_a_task_for_another_accounts_customer_number_is_not_found(
    worlds: Worlds,
) -> None:
    # when the restricted sales user posts a task naming the colleague's customer number
    response = worlds.sales.post(
        "/tasks/new/", {"customer_number": FOREIGN_NUMBER, "title": "Call", "send_to": "me"}
    )
    # then that customer does not exist for them, and no task is made
    assert response.status_code == 404
    assert not worlds.foreign.objects["customer"].tasks.filter(title="Call").exists()


@pytest.mark.django_db
def test_deal_list_filtered_on_another_accounts_customer_does_not_name_them(
    worlds: Worlds,
) -> None:
    # when the restricted sales user asks for the deals of the colleague's customer
    foreign = worlds.foreign.objects["customer"]
    text = worlds.sales.get("/deals/list/", {"customer": foreign.pk}).content.decode()
    # then neither the deal nor the customer's name is shown
    assert FOREIGN_NAME not in text


@pytest.mark.django_db
def test_with_the_setting_off_sales_see_every_customer(worlds: Worlds) -> None:
    # given the installation setting switched off
    AccessSettings.objects.filter(pk=1).update(sales_own_accounts_only=False)
    foreign = worlds.foreign.objects["customer"]
    # when the sales user opens the list and the colleague's customer
    listing = worlds.sales.get("/customers/").content.decode()
    detail = worlds.sales.get(f"/customers/{foreign.pk}/")
    # then they see the customer
    assert FOREIGN_NAME in listing
    assert detail.status_code == 200


@pytest.mark.django_db
def test_a_sales_user_with_another_role_sees_every_customer(worlds: Worlds) -> None:
    # given a user who is both sales and back office
    both = User.objects.create_user("both")
    both.groups.add(Group.objects.get(name=roles.SALES), Group.objects.get(name=roles.BACK_OFFICE))
    client = Client()
    client.force_login(both)
    # when they open the colleague's customer
    response = client.get(f"/customers/{worlds.foreign.objects['customer'].pk}/")
    # then they see it: only a sales-only user is restricted
    assert response.status_code == 200


@pytest.mark.django_db
def test_value_dashboard_lists_only_own_customers(worlds: Worlds) -> None:
    # given a score run that puts both customers on every short list of the value page
    # when the restricted sales user opens it
    text = worlds.sales.get("/value/").content.decode()
    # then the lists name their own customer and not the colleague's
    assert "Matrix BV" in text
    assert FOREIGN_NAME not in text


# --- review findings 1–7: leaks past "own accounts only" --------------------------------


@pytest.mark.django_db
def test_satisfaction_page_quotes_only_own_accounts_detractors(worlds: Worlds) -> None:
    # given a detractor comment of the user's own customer and one of the colleague's
    survey = worlds.own.objects["survey"]
    SurveyResponseFactory(
        survey=survey, customer=worlds.own.objects["customer"], nps=3, comment="Own grumble"
    )
    SurveyResponseFactory(
        survey=survey, customer=worlds.foreign.objects["customer"], nps=2, comment="Far grumble"
    )
    # when the restricted sales user opens the satisfaction page
    response = worlds.sales.get("/satisfaction/")
    text = response.content.decode()
    # then only their own customer's comment is quoted
    assert response.status_code == 200
    assert "Own grumble" in text
    assert "Far grumble" not in text
    assert FOREIGN_NAME not in text


@pytest.mark.django_db
def test_trigger_rule_page_logs_only_own_accounts_firings(worlds: Worlds) -> None:
    # given a rule that fired for the user's own customer and for the colleague's
    rule = worlds.own.objects["trigger"]
    for key, customer in (
        ("own", worlds.own.objects["customer"]),
        ("far", worlds.foreign.objects["customer"]),
    ):
        TriggerFiring.objects.create(
            rule=rule, customer=customer, event_key=f"birthday:{key}", outcome=FiringOutcome.DONE
        )
    # when the restricted sales user opens the rule's page
    response = worlds.sales.get(f"/triggers/{rule.pk}/")
    text = response.content.decode()
    # then its log shows their own customer's firing and not the colleague's
    assert response.status_code == 200
    assert "Matrix BV" in text
    assert FOREIGN_NAME not in text


@pytest.mark.django_db
def test_new_deal_customer_picker_finds_only_own_accounts(worlds: Worlds) -> None:
    # when the restricted sales user searches the new-deal picker with a word both
    # customers' names hold
    text = worlds.sales.get("/deals/new/", {"q": "BV"}).content.decode()
    # then it finds their own customer and not the colleague's
    assert "Matrix BV" in text
    assert FOREIGN_NAME not in text


@pytest.mark.django_db
def test_refused_referral_form_does_not_show_the_whole_list(worlds: Worlds) -> None:
    # when the restricted sales user posts the referral form with bad input
    response = worlds.sales.post("/referrals/record/", {"code": "", "referred": ""})
    # then it is refused like the list it belongs to, naming no other account's customer
    assert response.status_code == 403
    assert FOREIGN_NAME not in response.content.decode()


@pytest.mark.django_db
def test_another_accounts_code_records_no_referral_for_a_restricted_user(
    worlds: Worlds,
) -> None:
    # given the user's own new customer and the code of the colleague's customer
    newcomer = CustomerFactory(account_owner=worlds.own.users[roles.SALES])
    code = referral_code_issue(customer=worlds.foreign.objects["customer"]).code
    # when the restricted sales user records the referral on the page
    response = worlds.sales.post(
        "/referrals/record/", {"code": code, "referred": newcomer.customer_number}
    )
    # then it is refused, and the service refuses it too, as an unknown code
    assert response.status_code == 403
    with pytest.raises(ValidationError) as refused:
        referral_record(referred=newcomer, code=code, viewer=worlds.own.users[roles.SALES])
    assert refused.value.message_dict["code"] == [f"No referral code {code}."]
    assert not Referral.objects.filter(referred=newcomer).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["{pk}.0", "+{pk}", " {pk} ", "{pk}.000"])
def test_enrolling_another_accounts_customer_by_a_lax_id_is_not_found(
    worlds: Worlds, spelling: str
) -> None:
    # given the colleague's customer's id, written in a way a form still reads as that id
    foreign = worlds.foreign.objects["customer"]
    # when the restricted sales user enrols it
    response = worlds.sales.post(
        "/loyalty/members/enrol/", {"customer": spelling.format(pk=foreign.pk)}
    )
    # then that customer does not exist for them, and is not enrolled
    assert response.status_code == 404
    assert not LoyaltyMember.objects.filter(customer=foreign).exists()


@pytest.mark.django_db
def test_enrol_form_finds_only_customers_the_user_may_see(worlds: Worlds) -> None:
    # given the enrol form of the restricted sales user
    sales = worlds.own.users[roles.SALES]
    foreign = worlds.foreign.objects["customer"]
    # when it is given the colleague's customer by id or by number
    by_id = EnrolForm({"customer": str(foreign.pk)}, user=sales)
    by_number = EnrolForm({"customer_number": FOREIGN_NUMBER}, user=sales)
    # then neither finds the customer
    assert not by_id.is_valid()
    assert not by_number.is_valid()
    assert "customer_number" in by_number.errors


@pytest.mark.django_db
def test_editing_an_order_cannot_move_it_to_another_accounts_customer(worlds: Worlds) -> None:
    # given the user's own order, and the colleague's customer in the hidden customer field
    order = worlds.own.objects["order"]
    line = order.lines.get()
    data = {
        "customer": str(worlds.foreign.objects["customer"].pk),
        "order_number": order.order_number,
        "order_date": "2026-05-01",
        "channel": "web",
        "status": "delivered",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": str(line.pk),
        "lines-0-product": str(line.product_id),
        "lines-0-quantity": "2",
        "lines-0-unit_price": str(line.unit_price),
    }
    # when the restricted sales user saves the edit form
    response = worlds.sales.post(f"/orders/{order.pk}/edit/", data)
    # then the order is saved on its own customer, lines and all
    assert response.status_code == 302
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.customer_id == worlds.own.objects["customer"].pk
    assert line.customer_id == worlds.own.objects["customer"].pk
    assert line.quantity == 2


@pytest.mark.django_db
def test_template_preview_is_not_rendered_for_another_accounts_customer(
    worlds: Worlds,
) -> None:
    # when the restricted sales user previews a template as the colleague's customer
    response = worlds.sales.post(
        "/campaigns/templates/preview/",
        {
            "subject": "Hello {{ display_name }}",
            "body": "{{ city }}",
            "customer_number": FOREIGN_NUMBER,
        },
    )
    text = response.content.decode()
    # then that customer is unknown to them and their data is not shown
    assert response.status_code == 200
    assert "No customer with number" in text
    assert FOREIGN_NAME not in text
