"""`relata demo-data` and `relata demo-users` against the database (SQLite or PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db.models import F, Sum
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone, translation

from relata.contacts.models import Complaint, ContactMoment, RoutingRule, Task
from relata.customers.models import Consent, ContactPerson, Customer
from relata.customers.selectors import customer_search
from relata.customers.services import customer_create
from relata.sales.models import (
    OPEN_DEAL_STAGES,
    Deal,
    DealLine,
    DealStageChange,
    Order,
    OrderLine,
    Product,
)

pytestmark = pytest.mark.django_db


def load(customers: int = 300, seed: int = 3, **options: object) -> None:
    call_command("demo_data", customers=customers, years=3, seed=seed, verbosity=0, **options)


def test_demo_data_fills_every_table() -> None:
    # given an empty database
    # when
    load()
    # then
    assert Customer.objects.count() == 300
    assert Product.objects.count() == 150
    assert Order.objects.exists() and OrderLine.objects.exists()
    assert ContactMoment.objects.exists() and Consent.objects.exists()
    assert ContactPerson.objects.filter(organisation__kind="organisation").exists()
    assert Customer.objects.get(customer_number="C0000001")


def test_loaded_rows_read_back_as_the_model_expects() -> None:
    # given
    load()
    # when a sample of customers recomputes its derived columns
    sample = list(Customer.objects.order_by("id")[:100])
    # then the stored columns are what the model computes
    for customer in sample:
        stored = (customer.display_name_sort, customer.search_text)
        customer.refresh_derived_fields()
        assert stored == (customer.display_name_sort, customer.search_text)
        assert timezone.is_aware(customer.created_at)
        assert customer.created_at <= timezone.now()
    # and order totals equal the sum of their lines
    order = Order.objects.filter(lines__isnull=False).order_by("-total_amount").first()
    assert order is not None
    line_sum = order.lines.aggregate(total=Sum(F("quantity") * F("unit_price")))["total"]
    assert Decimal(line_sum).quantize(Decimal("0.01")) == order.total_amount
    assert order.lines.first().customer_id == order.customer_id  # type: ignore[union-attr]


def test_search_finds_generated_customers() -> None:
    # given
    load()
    customer = Customer.objects.exclude(postcode="").exclude(last_name="").order_by("id").first()
    assert customer is not None
    # when / then
    assert customer in customer_search(query=customer.last_name)
    assert customer in customer_search(query=f"{customer.last_name} {customer.postcode}")
    assert list(customer_search(query=customer.customer_number)) == [customer]


def test_new_rows_get_fresh_ids_after_the_load() -> None:
    # given
    load(customers=50)
    # when a customer is created the ordinary way
    customer = customer_create(kind="person", first_name="Nieuw", last_name="Klant")
    # then it gets the next id and number
    assert customer.pk == 51
    assert customer.customer_number == "C0000051"


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Order, OrderLine, Deal, DealLine, DealStageChange, Complaint, Task)
    )


def test_same_seed_loads_the_same_customers() -> None:
    # given a first load
    load(customers=300, seed=11)
    first = list(Customer.objects.order_by("id").values_list("search_text", flat=True))
    counts = _counts()
    # when the database is emptied and loaded again with the same seed
    Task.objects.all().delete()
    ContactMoment.objects.all().delete()
    Complaint.objects.all().delete()
    Deal.objects.all().delete()
    OrderLine.objects.all().delete()
    Order.objects.all().delete()
    Customer.objects.all().delete()
    Product.objects.all().delete()
    Product.category.field.related_model.objects.all().delete()  # type: ignore[attr-defined]
    load(customers=300, seed=11)
    # then
    assert list(Customer.objects.order_by("id").values_list("search_text", flat=True)) == first
    assert _counts() == counts


def test_deals_complaints_and_tasks_hang_together_in_the_database() -> None:
    # given
    load(customers=1500, seed=4)
    # then deal lines and stage changes belong to their deal's customer
    assert Deal.objects.filter(stage__in=OPEN_DEAL_STAGES).exists()
    assert not DealLine.objects.exclude(customer_id=F("deal__customer_id")).exists()
    assert not DealStageChange.objects.exclude(customer_id=F("deal__customer_id")).exists()
    # and a won deal's order is its customer's
    won = Deal.objects.filter(order__isnull=False)
    assert won.exists() and not won.exclude(order__customer_id=F("customer_id")).exists()
    assert not won.exclude(stage="won").exists()
    # and each complaint is recorded as a contact moment of its customer
    moments = ContactMoment.objects.filter(complaint__isnull=False)
    assert moments.count() == Complaint.objects.count() > 0
    assert not moments.exclude(customer_id=F("complaint__customer_id")).exists()
    # and tasks carry a routing explanation naming one of the database's rules
    task = Task.objects.filter(routing_rule__isnull=False).first()
    assert task is not None and task.routing_rule is not None
    assert task.routing["rule"] == task.routing_rule.pk
    assert task.routing["destination"] == task.routing_rule.destination
    assert set(Task.objects.values_list("routing_rule_id", flat=True)) <= set(
        RoutingRule.objects.values_list("pk", flat=True)
    ) | {None}


def test_demo_users_take_up_the_work_routed_to_them() -> None:
    # given demo data, with tasks routed to the account owner and to the back office
    load(customers=1500, seed=4)
    assert Task.objects.filter(routing__destination="account_owner").exists()
    # when
    call_command("demo_users", verbosity=0)
    # then deals and owner-routed tasks belong to the customer's account owner
    assert not Deal.objects.exclude(owner_id=F("customer__account_owner_id")).exists()
    assert not DealStageChange.objects.filter(changed_by__isnull=True).exists()
    routed = Task.objects.filter(routing__destination="account_owner")
    assert not routed.exclude(assignee_id=F("customer__account_owner_id")).exists()
    # and new back-office work waits in the queue, the rest is the back office's
    back_office = Task.objects.filter(team="back_office")
    assert back_office.filter(status="open", assignee__isnull=True).exists()
    backoffice = User.objects.get(username="backoffice")
    assert not back_office.exclude(status="open").exclude(assignee=backoffice).exists()
    assert not Task.objects.filter(status="done", completed_by__isnull=True).exists()
    assert not Complaint.objects.exclude(owner=backoffice).exists()
    # and a follow-up placed by hand names the deal owner who placed it
    placed = list(Task.objects.filter(routing__manual=True).select_related("assignee"))
    assert placed
    for task in placed:
        assert task.assignee is not None and task.assignee == task.deal.owner  # type: ignore[union-attr]
        assert task.routing["by"] == task.assignee.pk
        assert task.routing["assignee_name"] == task.assignee.get_full_name()


def test_if_empty_leaves_an_existing_customer_file_alone() -> None:
    # given
    load(customers=40)
    # when
    load(customers=40, seed=99, if_empty=True)
    # then
    assert Customer.objects.count() == 40


def test_loading_into_a_full_database_is_refused_with_a_reason() -> None:
    # given
    load(customers=40)
    # when / then
    with pytest.raises(CommandError, match="already holds 40 customers"):
        load(customers=40)


def test_arguments_out_of_range_are_refused() -> None:
    with pytest.raises(CommandError, match="--customers must be between"):
        load(customers=0)
    with pytest.raises(CommandError, match="--years must be between"):
        call_command("demo_data", customers=10, years=0, verbosity=0)
    with pytest.raises(CommandError, match="--seed must be 0 or more, not -1"):
        load(seed=-1)


def test_demo_users_are_created_once_and_share_the_customers() -> None:
    # given demo data
    load(customers=60)
    # when the command runs twice
    call_command("demo_users", verbosity=0)
    call_command("demo_users", verbosity=0)
    # then each demo user exists once, in its role
    demo = User.objects.get(username="demo")
    assert demo.is_superuser and demo.is_staff
    assert set(demo.groups.values_list("name", flat=True)) == {"admin"}
    assert User.objects.get(username="backoffice").groups.filter(name="back_office").exists()
    assert User.objects.get(username="marketing").groups.filter(name="marketing").exists()
    assert User.objects.get(username="analyst").groups.filter(name="analyst").exists()
    assert User.objects.filter(username__in=["sales1", "sales2"]).count() == 2
    # and every customer has one of the sales users as account owner, about half each
    owners = Customer.objects.values_list("account_owner__username", flat=True)
    assert set(owners) == {"sales1", "sales2"}
    assert abs(list(owners).count("sales1") - 30) <= 1
    # and contact moments have a staff member
    assert not ContactMoment.objects.filter(staff__isnull=True).exists()


def test_demo_login_works() -> None:
    # given
    call_command("demo_users", verbosity=0)
    client = Client()
    # when / then (django-axes needs a request in authenticate(); its docs: a blank one)
    assert client.login(request=HttpRequest(), username="demo", password="demo")
    assert client.login(request=HttpRequest(), username="sales1", password="demo")


def test_demo_users_keep_a_changed_password() -> None:
    # given
    call_command("demo_users", verbosity=0)
    user = User.objects.get(username="sales2")
    user.set_password("a-better-password-2025")
    user.save()
    # when
    call_command("demo_users", verbosity=0)
    # then
    user.refresh_from_db()
    assert user.check_password("a-better-password-2025")


@pytest.mark.parametrize(
    ("command", "english", "dutch"),
    [
        ("demo_data", "Generate demo customers", "Genereert demoklanten"),
        ("demo_users", "Create the demo users", "Maakt de demogebruikers aan"),
    ],
)
def test_command_help_is_printed_in_the_active_language(
    capsys: pytest.CaptureFixture[str], command: str, english: str, dutch: str
) -> None:
    for language, expected in (("en", english), ("nl", dutch)):
        # when
        with translation.override(language), pytest.raises(SystemExit) as exit_info:
            execute_from_command_line(["relata", command, "--help"])
        # then
        assert exit_info.value.code == 0
        assert expected in capsys.readouterr().out
