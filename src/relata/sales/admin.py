from django.contrib import admin

from relata.sales.models import Order, OrderLine, Product, ProductCategory
from relata.sales.services import order_totals_refresh


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "is_consumable")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "price", "unit_cost", "is_one_off", "active")
    list_filter = ("category", "is_one_off", "active")
    search_fields = ("sku", "name")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ("product",)
    exclude = ("customer",)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("order_number", "customer", "order_date", "status", "total_amount")
    list_filter = ("status", "channel")
    search_fields = ("order_number", "customer__customer_number")
    raw_id_fields = ("customer",)
    inlines = [OrderLineInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        for line in formset.save(commit=False):
            line.customer_id = form.instance.customer_id
            line.save()
        for line in formset.deleted_objects:
            line.delete()
        order_totals_refresh(order=form.instance)
