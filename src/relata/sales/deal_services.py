"""Writes for deals: create, edit with product lines, and move through the pipeline.

Every edit, including a move on the board, claims the deal's version first (optimistic
locking), so two people changing the same deal never overwrite each other silently.

Winning a deal creates its order from the deal's product lines. A deal without products
cannot be won: an order needs products for its cost and margin (and so for every value
figure Relata computes), and a bare amount would be an order nobody can deliver. The user
is asked to add the products first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.audit.capture import record_created
from relata.concurrency import version_claim
from relata.contacts.models import NotificationKind
from relata.contacts.notification_services import notification_send
from relata.customers.models import Customer
from relata.sales.models import (
    CLOSED_DEAL_STAGES,
    OPEN_DEAL_STAGES,
    STAGE_PROBABILITY,
    Deal,
    DealLine,
    DealStage,
    DealStageChange,
    LostReason,
    OrderStatus,
    SalesChannel,
)
from relata.sales.services import LineInput, order_create

User = AbstractBaseUser | AnonymousUser | None

# Fields an edit may change; the stage changes only through deal_move.
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "value",
        "probability",
        "owner",
        "owner_id",
        "source",
        "expected_close_date",
        "notes",
        "lost_reason",
        "lost_note",
    }
)


def _user(user: User) -> Any:
    return user if user is not None and user.is_authenticated else None


def _lines_replace(*, deal: Deal, lines: Sequence[LineInput]) -> None:
    deal.lines.all().delete()
    new_lines = []
    for line in lines:
        deal_line = DealLine(
            deal=deal,
            customer_id=deal.customer_id,
            product=line.product,
            quantity=line.quantity,
            unit_price=line.product.price if line.unit_price is None else line.unit_price,
        )
        deal_line.full_clean(exclude=["deal"])
        new_lines.append(deal_line)
    DealLine.objects.bulk_create(new_lines)
    record_created(new_lines)  # bulk_create sends no signals: the audit trail (0970)
    _value_from_lines(deal, new_lines)


def _value_from_lines(deal: Deal, lines: Sequence[DealLine]) -> None:
    if lines:
        total = sum((line.line_total for line in lines), Decimal(0))
        deal.value = total.quantize(Decimal("0.01"))


def deal_value_refresh(*, deal: Deal) -> Deal:
    """Set the deal's value to the sum of its lines, when it has any."""
    _value_from_lines(deal, list(deal.lines.all()))
    return deal


@transaction.atomic
def deal_create(
    *,
    customer: Customer,
    title: str,
    created_by: User = None,
    lines: Sequence[LineInput] = (),
    **fields: Any,
) -> Deal:
    """A new open deal; its first stage change is recorded so the funnel sees it enter."""
    unknown = set(fields) - EDITABLE_FIELDS - {"stage"}
    if unknown:
        raise TypeError(f"deal_create got unexpected fields: {sorted(unknown)}")
    stage = fields.pop("stage", DealStage.LEAD)
    if stage not in OPEN_DEAL_STAGES:
        raise ValidationError(
            {"stage": _("A new deal starts in an open stage: lead, qualified or quote.")}
        )
    if fields.get("probability") is None:
        fields["probability"] = STAGE_PROBABILITY[DealStage(stage)]
    now = timezone.now()
    deal = Deal(
        customer=customer,
        title=title,
        stage=stage,
        created_by=_user(created_by),
        stage_changed_at=now,
        created_at=now,
        **fields,
    )
    deal.full_clean()
    deal.save()
    if lines:
        _lines_replace(deal=deal, lines=lines)
        deal.save(update_fields=["value"])
    DealStageChange.objects.create(
        deal=deal,
        customer_id=deal.customer_id,
        from_stage="",
        to_stage=stage,
        changed_at=now,
        changed_by=_user(created_by),
    )
    return deal


@transaction.atomic
def deal_update(
    *,
    deal: Deal,
    fields: Mapping[str, Any],
    lines: Sequence[LineInput] | None = None,
    expected_version: int | None = None,
    user: User = None,
) -> Deal:
    """Change a deal's fields and, when ``lines`` is given, replace its product lines (the
    value becomes their sum). Raises ``StaleEditError`` when someone saved in between."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    version_claim(deal, expected_version=expected_version)
    if lines is not None and deal.stage == DealStage.WON and deal.order_id:
        raise ValidationError(
            _("This deal is won and its order exists; change the products on the order.")
        )
    for name, value in fields.items():
        setattr(deal, name, value)
    if deal.stage != DealStage.LOST and (deal.lost_reason or deal.lost_note):
        deal.lost_reason = ""
        deal.lost_note = ""
    if deal.stage == DealStage.LOST and not deal.lost_reason:
        raise ValidationError({"lost_reason": _("A lost deal needs a lost reason.")})
    if lines is not None:
        _lines_replace(deal=deal, lines=lines)
    deal.full_clean()
    deal.save()
    return deal


@transaction.atomic
def deal_save_with_lines(
    *,
    deal: Deal,
    changed_lines: Sequence[DealLine],
    deleted_lines: Sequence[DealLine],
    expected_version: int | None = None,
    user: User = None,
) -> Deal:
    """Save a deal edited in a form with its line formset (unsaved instances): new deals
    are created through ``deal_create``, existing ones claim their version first."""
    if deal.pk is None:
        fields = {
            name: getattr(deal, name)
            for name in ("value", "probability", "source", "expected_close_date", "notes")
        }
        deal = deal_create(
            customer=deal.customer,
            title=deal.title,
            created_by=user,
            owner=deal.owner,
            stage=deal.stage,
            **fields,
        )
    else:
        version_claim(deal, expected_version=expected_version)
        if (changed_lines or deleted_lines) and deal.stage == DealStage.WON and deal.order_id:
            raise ValidationError(
                _("This deal is won and its order exists; change the products on the order.")
            )
        if deal.stage != DealStage.LOST:
            deal.lost_reason = ""
            deal.lost_note = ""
        elif not deal.lost_reason:
            raise ValidationError({"lost_reason": _("A lost deal needs a lost reason.")})
    for line in deleted_lines:
        line.delete()
    for line in changed_lines:
        line.deal = deal
        line.customer_id = deal.customer_id
        line.full_clean(exclude=["deal"])
        line.save()
    deal_value_refresh(deal=deal)
    deal.full_clean()
    deal.save()
    return deal


@transaction.atomic
def deal_move(
    *,
    deal: Deal,
    stage: str,
    user: User = None,
    expected_version: int | None = None,
    lost_reason: str = "",
    lost_note: str = "",
    probability: int | None = None,
) -> Deal:
    """Move a deal to another stage: record the change, set the probability (the stage's
    default unless ``probability`` is given; won is 100 and lost 0), close or reopen it,
    create the order when it is won, and tell the owner when someone else moved it."""
    if stage not in DealStage.values:
        raise ValidationError({"stage": _("Unknown stage %(stage)s.") % {"stage": stage}})
    new_stage = DealStage(stage)
    old_stage = DealStage(deal.stage)
    if new_stage == old_stage and new_stage != DealStage.LOST:
        return deal  # dropped back where it was: nothing changes
    version_claim(deal, expected_version=expected_version)
    if old_stage == DealStage.WON and deal.order_id:
        raise ValidationError(
            _(
                "This deal was won and order %(number)s was created from it; it cannot be "
                "reopened. Change or cancel the order instead."
            )
            % {"number": deal.order.order_number if deal.order else deal.order_id}
        )
    if new_stage == DealStage.LOST:
        if lost_reason not in LostReason.values:
            raise ValidationError(
                {"lost_reason": _("Choose why the deal was lost before moving it to Lost.")}
            )
        deal.lost_reason = lost_reason
        deal.lost_note = lost_note
        if new_stage == old_stage:
            deal.full_clean()
            deal.save()
            return deal
    else:
        deal.lost_reason = ""
        deal.lost_note = ""
    now = timezone.now()
    if new_stage == DealStage.WON:
        lines = list(deal.lines.select_related("product"))
        if not lines:
            raise ValidationError(
                _(
                    "Add the products to the deal before marking it won: the order is "
                    "created from them."
                )
            )
        deal.order = order_create(
            customer=deal.customer,
            lines=[
                LineInput(product=line.product, quantity=line.quantity, unit_price=line.unit_price)
                for line in lines
            ],
            order_date=timezone.localdate(),
            channel=SalesChannel.SALES_REP,
            status=OrderStatus.OPEN,
            notes=_("From deal: %(title)s") % {"title": deal.title},
        )
        deal.value = deal.order.total_amount
    if new_stage in CLOSED_DEAL_STAGES:
        deal.probability = STAGE_PROBABILITY[new_stage]
        deal.closed_at = now
    else:
        deal.probability = STAGE_PROBABILITY[new_stage] if probability is None else probability
        deal.closed_at = None
    deal.stage = new_stage
    deal.stage_changed_at = now
    deal.full_clean()
    deal.save()
    acting = _user(user)
    DealStageChange.objects.create(
        deal=deal,
        customer_id=deal.customer_id,
        from_stage=old_stage,
        to_stage=new_stage,
        changed_at=now,
        changed_by=acting,
    )
    if deal.owner_id is not None and (acting is None or acting.pk != deal.owner_id):
        notification_send(
            recipient=deal.owner,
            kind=NotificationKind.DEAL_CHANGED,
            params={
                "deal_id": deal.pk,
                "deal": deal.title,
                "from_stage": str(old_stage),
                "to_stage": str(new_stage),
                "customer": deal.customer.display_name,
            },
            url=reverse("deals:detail", kwargs={"pk": deal.pk}),
            actor=acting,
        )
    return deal
