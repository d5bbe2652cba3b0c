from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from relata.customers.models import Customer
from relata.sales.forms import OrderFilterForm, OrderForm, OrderLineFormSet, ProductForm
from relata.sales.models import Order, Product
from relata.sales.selectors import order_search, product_list
from relata.sales.services import order_save_with_lines
from relata.web.http import int_param
from relata.web.pagination import paginate_estimated as paginate


@login_required
@permission_required("sales.view_order", raise_exception=True)
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    orders = order_search(
        query=filters.get("q", ""),
        status=filters.get("status", ""),
        channel=filters.get("channel", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        customer=filters.get("customer"),
        viewer=request.user,
    )
    page = paginate(request, orders, per_page=50)
    return render(request, "sales/order_list.html", {"form": form, "page": page})


@login_required
@permission_required("sales.view_order", raise_exception=True)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(Order.objects.select_related("customer"), pk=pk)
    lines = order.lines.select_related("product", "product__category")
    return render(request, "sales/order_detail.html", {"order": order, "lines": lines})


def _order_form_page(request: HttpRequest, order: Order, customer: Customer) -> HttpResponse:
    form = OrderForm(request.POST or None, instance=order, initial={"customer": customer.pk})
    formset = OrderLineFormSet(request.POST or None, instance=order)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        saved = form.save(commit=False)
        # The customer is the page's (checked by the URL), never the posted hidden field: an
        # order cannot be moved onto another customer (nor onto another owner's account).
        saved.customer = customer
        changed_lines = formset.save(commit=False)
        for line in changed_lines:
            line.customer_id = saved.customer_id
        saved = order_save_with_lines(
            order=saved, changed_lines=changed_lines, deleted_lines=formset.deleted_objects
        )
        messages.success(request, _("Order %(number)s saved.") % {"number": saved.order_number})
        return redirect("sales:order_detail", pk=saved.pk)
    context = {"form": form, "formset": formset, "order": order, "customer": customer}
    return render(request, "sales/order_form.html", context)


@login_required
@permission_required("sales.add_order", raise_exception=True)
def order_create(request: HttpRequest) -> HttpResponse:
    customer_id = int_param(request.POST.get("customer") or request.GET.get("customer"))
    if customer_id is None:
        messages.info(request, _("Open a customer and choose 'New order' there."))
        return redirect("customers:list")
    customer = get_object_or_404(Customer, pk=customer_id)
    return _order_form_page(request, Order(customer=customer), customer)


@login_required
@permission_required("sales.change_order", raise_exception=True)
def order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(Order.objects.select_related("customer"), pk=pk)
    return _order_form_page(request, order, order.customer)


@login_required
@permission_required("sales.view_product", raise_exception=True)
def product_index(request: HttpRequest) -> HttpResponse:
    products = product_list(query=request.GET.get("q", ""))
    page = paginate(request, products, per_page=50)
    return render(
        request, "sales/product_list.html", {"page": page, "query": request.GET.get("q", "")}
    )


@login_required
@permission_required("sales.change_product", raise_exception=True)
def product_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk) if pk else Product()
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Product saved."))
        return redirect("sales:product_list")
    return render(request, "sales/product_form.html", {"form": form, "product": product})
