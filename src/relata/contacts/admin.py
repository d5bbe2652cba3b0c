from django.contrib import admin

from relata.contacts.models import ContactMoment


@admin.register(ContactMoment)
class ContactMomentAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "customer", "channel", "touchpoint", "office", "subject")
    list_filter = ("channel", "touchpoint", "office", "direction")
    search_fields = ("subject", "customer__customer_number")
    raw_id_fields = ("customer", "staff", "order")
