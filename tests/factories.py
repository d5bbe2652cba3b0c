"""Test data builders shared by the test modules."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from relata.contacts.models import Complaint, ContactMoment
from relata.customers.models import Customer, CustomerKind
from relata.feedback.models import Review, SocialProfile, Survey, SurveyResponse
from relata.sales.models import Product, ProductCategory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    customer_number = factory.Sequence(lambda n: f"T{n:06d}")
    kind = CustomerKind.PERSON
    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Jansen{n}")
    email = factory.Sequence(lambda n: f"anna{n}@example.nl")
    phone = "06-12345678"
    postcode = "3511 AB"
    city = "Utrecht"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        customer = model_class(*args, **kwargs)
        customer.refresh_derived_fields()
        customer.save()
        return customer


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("name",)

    name = "Coffee"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(ProductCategoryFactory)
    price = Decimal("20.00")
    unit_cost = Decimal("12.00")


class ContactMomentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactMoment

    customer = factory.SubFactory(CustomerFactory)
    channel = "phone"
    touchpoint = "service"
    subject = "Question about delivery"


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    customer = factory.SubFactory(CustomerFactory)
    channel = "phone"
    touchpoint = "delivery"
    cause = "delivery"
    subject = "Parcel arrived late"


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    name = factory.Sequence(lambda n: f"After service {n}")
    touchpoint = "service"


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    survey = factory.SubFactory(SurveyFactory)
    customer = factory.SubFactory(CustomerFactory)
    nps = 9
    csat = 4
    touchpoint = "service"
    channel = "phone"
    source = "link"


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    customer = factory.SubFactory(CustomerFactory)
    kind = "review"
    rating = 5
    title = "Great coffee"
    text = "Fresh and fast."
    helpful_votes = 3


class SocialProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialProfile

    customer = factory.SubFactory(CustomerFactory)
    platform = "instagram"
    handle = factory.Sequence(lambda n: f"vlogger{n}")
    followers = 12000


def user_with_role(username: str, role: str | None) -> User:
    """A user in one of the shipped role groups (or in none)."""
    user = User.objects.create_user(username, password="a-long-test-password")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user
