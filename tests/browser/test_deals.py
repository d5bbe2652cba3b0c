from decimal import Decimal

from playwright.sync_api import expect

from relata.sales.models import Deal, DealStage
from tests.browser.conftest import login, screenshot
from tests.factories import CustomerFactory, ProductFactory
from tests.sales.deal_support import new_deal


def _drag(page, card: str, column: str) -> None:  # type: ignore[no-untyped-def]
    """Drag with real mouse moves, in small steps, as a person would."""
    source = page.locator(card).bounding_box()
    target = page.locator(column).bounding_box()
    page.mouse.move(source["x"] + 20, source["y"] + 12)
    page.mouse.down()
    page.mouse.move(source["x"] + 40, source["y"] + 30, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 40, steps=20)
    page.mouse.up()


def test_drag_a_deal_to_won_and_open_its_order(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given a quote with two espresso machines, and another lead
    customer = CustomerFactory(first_name="Fenna", last_name="Hoekstra")
    machine = ProductFactory(name="Espresso machine", price=Decimal("650.00"))
    deal = new_deal(
        customer=customer,
        title="Two espresso machines",
        stage=DealStage.QUOTE,
        owner=sales_user,
        products=[(machine, "2")],
    )
    new_deal(title="Beans subscription", value=Decimal(300), owner=sales_user)
    login(page)
    # when the salesperson opens the board and drags the quote onto Won
    page.click("nav >> text=Deals")
    expect(page.locator(f"#deal-{deal.pk}")).to_be_visible()
    screenshot(page, "deal-board")
    _drag(page, f"#deal-{deal.pk} .deal-title", '.deal-cards[data-stage="won"]')
    # then the board confirms and links the order that was created
    message = page.locator("#move-message.alert-success")
    expect(message).to_contain_text("Order")
    expect(page.locator('.deal-cards[data-stage="won"]')).to_contain_text("Two espresso machines")
    screenshot(page, "deal-board-won")
    message.locator("a").click()
    # and the order page shows the machines
    expect(page.locator("h1")).to_contain_text("O0")
    expect(page.locator("body")).to_contain_text("Espresso machine")
    deal.refresh_from_db()
    assert deal.order is not None and deal.order.total_amount == Decimal("1300.00")


def test_dropping_on_lost_asks_for_the_reason(page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given
    deal = new_deal(title="Catering for 80", value=Decimal(900), owner=sales_user)
    login(page)
    page.goto(f"{page.base_url}/deals/")
    # when the card is dropped on Lost, the modal asks why
    _drag(page, f"#deal-{deal.pk} .deal-title", '.deal-cards[data-stage="lost"]')
    modal = page.locator("#lost-modal")
    expect(modal).to_be_visible()
    page.select_option("#lost-reason", "competitor")
    page.fill("#lost-note", "Chose the caterer next door")
    screenshot(page, "deal-lost-reason")
    page.click("#lost-modal button[type=submit]")
    # then the board confirms, and the deal is lost with the reason
    expect(page.locator("#move-message.alert-success")).to_contain_text("moved to Lost")
    expect(page.locator('.deal-cards[data-stage="lost"]')).to_contain_text("Catering for 80")
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason) == (DealStage.LOST, "competitor")
    assert Deal.objects.get(pk=deal.pk).lost_note == "Chose the caterer next door"
