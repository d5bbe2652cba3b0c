from django.contrib import admin

from relata.customers.models import Consent, ContactPerson, Customer


class ContactPersonInline(admin.TabularInline):
    model = ContactPerson
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("customer_number", "__str__", "kind", "email", "city", "account_owner")
    list_filter = ("kind", "country")
    search_fields = ("customer_number", "last_name", "organisation_name", "email", "postcode")
    raw_id_fields = ("account_owner",)
    inlines = [ContactPersonInline]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.refresh_derived_fields()
        super().save_model(request, obj, form, change)


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("customer", "channel", "purpose", "granted", "recorded_at", "source")
    list_filter = ("channel", "purpose", "granted")
    raw_id_fields = ("customer", "recorded_by")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # consent rows are evidence: record a new decision instead

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
