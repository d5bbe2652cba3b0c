"""Review pages: the list (filters, sort, summary per product, most helpful), entering,
editing and deleting, the customer file's card and timeline, and permissions."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client

from relata.feedback.models import Review
from tests.factories import CustomerFactory, ProductFactory, ReviewFactory, SocialProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop() -> dict[str, object]:
    anna = CustomerFactory(first_name="Anna", last_name="Smit", customer_number="K001")
    bert = CustomerFactory(first_name="Bert", last_name="Kok", customer_number="K002")
    coffee = ProductFactory(sku="COF", name="Coffee beans")
    tea = ProductFactory(sku="TEA", name="Green tea")
    ReviewFactory(
        customer=anna,
        product=coffee,
        rating=5,
        title="Best beans",
        helpful_votes=12,
        site="Trustpilot",
        written_on=date(2025, 3, 1),
    )
    ReviewFactory(
        customer=bert,
        product=coffee,
        rating=3,
        title="Fine",
        helpful_votes=0,
        site="Google",
        written_on=date(2025, 4, 1),
    )
    ReviewFactory(
        customer=bert,
        product=tea,
        rating=1,
        title="Stale tea",
        helpful_votes=4,
        unhelpful_votes=1,
        site="Google",
        written_on=date(2025, 5, 1),
    )
    ReviewFactory(
        customer=anna,
        kind="comment",
        rating=None,
        title="Question",
        text="Do you ship to Belgium?",
        helpful_votes=0,
        written_on=date(2025, 6, 1),
    )
    return {"anna": anna, "bert": bert, "coffee": coffee}


def test_the_list_shows_reviews_the_product_summary_and_the_most_helpful(
    logged_in_client: Client, shop: dict[str, object]
) -> None:
    # when the list is opened
    html = logged_in_client.get("/reviews/").content.decode()
    # then it shows every review, the rating summary per product and the most helpful ones
    for title in ("Best beans", "Fine", "Stale tea", "Question"):
        assert title in html
    assert 'id="rating-per-product"' in html and "Coffee beans" in html
    assert "4.0" in html  # the coffee's average of 5 and 3
    assert "3 ratings" in html
    top = html.split('id="top-helpful"')[1].split("</ul>")[0]
    assert top.index("Best beans") < top.index("Stale tea")
    assert "Fine" not in top  # no helpful votes


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"rating": "1"}, ["Stale tea"], ["Best beans", "Question"]),
        ({"kind": "comment"}, ["Question"], ["Best beans"]),
        ({"product": "cof"}, ["Best beans", "Fine"], ["Stale tea"]),
        ({"site": "google"}, ["Fine", "Stale tea"], ["Best beans"]),
        (
            {"date_from": "2025-04-01", "date_to": "2025-05-31"},
            ["Fine", "Stale tea"],
            ["Best beans", "Question"],
        ),
        ({"q": "belgium"}, ["Question"], ["Best beans"]),
        ({"q": "K002"}, ["Fine", "Stale tea"], ["Best beans"]),
    ],
)
def test_the_list_filters_and_answers_htmx_with_the_results_only(
    logged_in_client: Client,
    shop: dict[str, object],
    params: dict[str, str],
    shown: list[str],
    hidden: list[str],
) -> None:
    response = logged_in_client.get("/reviews/", params, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    table = html.split('id="reviews-table"')[1]
    assert all(title in table for title in shown)
    assert not any(title in table for title in hidden)
    assert "<nav" not in html  # the partial, without the page around it


def test_the_list_sorts_and_ignores_filters_it_cannot_read(
    logged_in_client: Client, shop: dict[str, object]
) -> None:
    html = logged_in_client.get("/reviews/", {"sort": "-helpful"}).content.decode()
    table = html.split('id="reviews-table"')[1]
    assert table.index("Best beans") < table.index("Stale tea") < table.index("Fine")
    bad = logged_in_client.get("/reviews/", {"rating": "9", "date_from": "gisteren"})
    assert bad.status_code == 200
    assert "Some filters were not understood" in bad.content.decode()


def test_review_text_is_shown_escaped(logged_in_client: Client) -> None:
    # given a review whose text holds markup
    review = ReviewFactory(title="<b>Bold</b>", text="<script>alert(1)</script>\nsecond line")
    # then the list and the page show it as text, not as markup
    for url in ("/reviews/", f"/reviews/{review.pk}/"):
        html = logged_in_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<b>Bold</b>" not in html
    assert "<br>second line" in logged_in_client.get(f"/reviews/{review.pk}/").content.decode()


def test_an_untitled_comment_is_shown_by_its_text_not_as_no_title(
    logged_in_client: Client,
) -> None:
    # given a comment without a title or rating, and the most helpful of all
    comment = ReviewFactory(
        kind="comment",
        rating=None,
        title="",
        text="<i>Does it fit</i> the old model?",
        helpful_votes=99,
    )
    # when the list is opened, then the text is the link and the comment is labelled
    html = logged_in_client.get("/reviews/").content.decode()
    assert "(no title)" not in html
    link = f'<a href="/reviews/{comment.pk}/" class="text-break">'
    assert link + "&lt;i&gt;Does it fit&lt;/i&gt; the old model?</a>" in html
    helpful = html[html.index('id="top-helpful"') : html.index('id="reviews-table"')]
    assert ">Comment</span>" in helpful and "—" not in helpful.split("<a ")[0]
    # and its page is headed by its kind, with no empty rating in front
    page = logged_in_client.get(f"/reviews/{comment.pk}/").content.decode()
    assert '<h1 class="h3 mb-1">Comment</h1>' in page
    assert "(no title)" not in page


def test_the_date_filters_say_which_is_which(logged_in_client: Client) -> None:
    html = logged_in_client.get("/reviews/").content.decode()
    start = html.index('id="review-filters"')
    form = html[start : html.index("</form>", start)]
    assert form.index(">From</span>") < form.index('name="date_from"')
    assert form.index(">Until</span>") < form.index('name="date_to"')


def test_add_a_review_from_the_customer_file_and_return_there(logged_in_client: Client) -> None:
    # given a customer and a product
    customer = CustomerFactory()
    ProductFactory(sku="COF")
    back = f"/customers/{customer.pk}/"
    form = logged_in_client.get(f"/reviews/new/?customer={customer.pk}&next={back}")
    assert 'name="customer"' not in form.content.decode()  # the customer is known
    # when the form is sent
    response = logged_in_client.post(
        f"/reviews/new/?customer={customer.pk}",
        {
            "kind": "review",
            "rating": "4",
            "product": "cof",
            "title": "Good",
            "text": "Yes",
            "helpful_votes": "2",
            "unhelpful_votes": "",
            "next": back,
        },
    )
    # then the review is saved and the customer file shown again, with the card updated
    assert response.status_code == 302 and response.url == back
    review = Review.objects.get()
    assert (review.customer, review.rating, review.product.sku) == (customer, 4, "COF")
    card = logged_in_client.get(back).content.decode().split('id="customer-reach"')[1]
    assert 'id="review-count">1<' in card and "4.0" in card and 'id="review-helpful">2<' in card


def test_add_a_review_by_customer_number_and_see_the_refusals(logged_in_client: Client) -> None:
    CustomerFactory(customer_number="K009")
    # when the customer, product and rating are wrong
    response = logged_in_client.post(
        "/reviews/new/",
        {"customer": "K404", "kind": "review", "rating": "", "product": "NOPE"},
    )
    html = response.content.decode()
    assert "No customer with number K404." in html
    assert "No product with SKU NOPE." in html
    # when only the rating is missing, the service's rule is shown at the rating
    response = logged_in_client.post("/reviews/new/", {"customer": "K009", "kind": "review"})
    assert "A review needs a rating from 1 to 5 stars" in response.content.decode()
    # when it is a comment, it is saved and its page shown
    response = logged_in_client.post(
        "/reviews/new/", {"customer": "K009", "kind": "comment", "text": "Nice shop"}
    )
    review = Review.objects.get()
    assert response.url == f"/reviews/{review.pk}/"


def test_edit_and_delete_a_review(logged_in_client: Client, settings: object) -> None:
    review = ReviewFactory(rating=5, title="Old", external_id="X-1")
    edit = logged_in_client.get(f"/reviews/{review.pk}/edit/").content.decode()
    assert 'value="Old"' in edit
    logged_in_client.post(
        f"/reviews/{review.pk}/edit/",
        {
            "kind": "review",
            "rating": "2",
            "title": "New",
            "external_id": "X-1",
            "helpful_votes": "1",
            "unhelpful_votes": "0",
        },
    )
    review.refresh_from_db()
    assert (review.rating, review.title) == (2, "New")
    # the sales role may not delete; an administrator may, after confirming
    assert logged_in_client.post(f"/reviews/{review.pk}/delete/").status_code == 403
    admin = User.objects.create_superuser("root", password="a-long-test-password")
    client = Client()
    client.force_login(admin)
    assert "Delete" in client.get(f"/reviews/{review.pk}/delete/").content.decode()
    response = client.post(f"/reviews/{review.pk}/delete/")
    assert response.status_code == 302 and response.url == "/reviews/"
    assert not Review.objects.exists()
    assert client.get(f"/reviews/{review.pk}/").status_code == 404


def test_pages_need_the_permissions(db: None) -> None:
    user = User.objects.create_user("nobody", password="a-long-test-password")
    client = Client()
    client.force_login(user)
    review = ReviewFactory()
    for url in (
        "/reviews/",
        "/reviews/new/",
        f"/reviews/{review.pk}/",
        f"/reviews/{review.pk}/edit/",
    ):
        assert client.get(url).status_code == 403
    assert Client().get("/reviews/").status_code == 302  # to the login page


def test_the_customer_file_shows_the_card_and_the_reviews_on_the_timeline(
    logged_in_client: Client,
) -> None:
    # given a customer with a review, a comment and two profiles
    customer = CustomerFactory()
    ReviewFactory(customer=customer, rating=4, title="Lovely mugs", helpful_votes=7)
    ReviewFactory(
        customer=customer,
        kind="comment",
        rating=None,
        title="",
        text="More colours?",
        helpful_votes=0,
    )
    SocialProfileFactory(
        customer=customer, platform="instagram", handle="mugs.anna", followers=15_000
    )
    SocialProfileFactory(customer=customer, platform="youtube", handle="annamugs", followers=2_500)
    # when the customer file is opened
    html = logged_in_client.get(f"/customers/{customer.pk}/").content.decode()
    # then the card shows counts, average, votes, profiles and the reach
    card = html.split('id="customer-reach"')[1].split('id="timeline"')[0]
    assert 'id="review-count">2<' in card and "incl. 1 comment" in card
    assert 'id="review-average">4.0<' in card and 'id="review-helpful">7<' in card
    assert "@mugs.anna" in card and "@annamugs" in card
    assert "17,500 followers" in card
    assert "https://www.instagram.com/mugs.anna/" in card
    # and the timeline lists the review and the comment
    assert "Wrote a 4-star review: Lovely mugs" in html
    assert "Commented: More colours?" in html
