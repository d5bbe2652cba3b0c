"""Signals other apps listen to (loyalty points, referral rewards, triggers); sent after
the transaction commits, so a listener that fails never undoes the order."""

from django.dispatch import Signal

# order_saved(sender=Order, order=..., created=bool) — after the order's lines and totals.
order_saved = Signal()
