"""A survey from end to end: staff send it from the customer file, the customer answers the
personal link on a phone (a fresh browser, no login), and the detractor's follow-up task
shows up for the staff."""

from __future__ import annotations

from django.core import mail
from playwright.sync_api import expect

from relata.contacts.models import Task
from tests.browser.conftest import login, screenshot
from tests.factories import ContactMomentFactory, CustomerFactory
from tests.feedback.survey_support import make_survey, opt_in, token_of


def test_a_survey_is_sent_answered_and_followed_up(browser, page, sales_user) -> None:  # type: ignore[no-untyped-def]
    # given a customer with an e-mail opt-in for surveys, who called the service desk
    customer = CustomerFactory(first_name="Lotte", last_name="de Boer")
    opt_in(customer)
    ContactMomentFactory(customer=customer, subject="Coffee machine leaks", touchpoint="service")
    make_survey(name="After a service call")
    login(page)

    # when Sophie sends the survey from the customer file, about that call
    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.click("#send-survey")
    page.select_option("#id_survey", label="After a service call")
    page.select_option("#id_about", index=1)
    screenshot(page, "survey-send")
    page.click("#survey-send-form button[type=submit]")
    # then the customer file says it went out and waits for an answer
    expect(page.locator(".alert-success")).to_contain_text("e-mailed to")
    expect(page.locator("#surveys")).to_contain_text("waiting for an answer")

    # when Lotte opens her link on a phone, in a browser that never logged in
    link = f"{page.base_url}/s/{token_of(mail.outbox[-1].body)}/"
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    answer = phone.new_page()
    answer.goto(link)
    expect(answer.locator("h1")).to_have_text("Hello Lotte,")
    expect(answer.locator("body")).not_to_contain_text("de Boer")
    answer.click("label[for=nps-2]")
    answer.click("label[for=csat-1]")
    answer.fill("#id_comment", "Still leaking <b>after</b> the repair")
    screenshot(answer, "survey-public-answer")
    answer.click("#survey-answer button[type=submit]")
    # then she is thanked and told someone will get in touch
    expect(answer.locator("#survey-thanks")).to_contain_text("Thank you, Lotte!")
    expect(answer.locator("#survey-thanks")).to_contain_text("get in touch")
    screenshot(answer, "survey-public-thanks")
    # and the link cannot be used again
    answer.goto(link)
    expect(answer.locator("#survey-problem")).to_contain_text("already answered")
    phone.close()

    # when Sophie looks at the customer file again
    page.reload()
    # then the answer and its detractor task show up, the comment as plain text
    expect(page.locator("#surveys")).to_contain_text("NPS 2")
    expect(page.locator("#surveys")).to_contain_text("Still leaking <b>after</b> the repair")
    task = Task.objects.get(kind="detractor")
    page.click(f"#surveys a[href='/tasks/{task.pk}/']")
    expect(page.locator("body")).to_contain_text("Detractor: NPS 2")
    expect(page.locator("body")).to_contain_text("Still leaking <b>after</b> the repair")
    screenshot(page, "survey-detractor-task")
