"""Signals other apps listen to (engagement's triggers); sent after the transaction commits,
so a listener that fails never undoes the write that caused it."""

from django.dispatch import Signal

# customer_saved(sender=Customer, customer=..., created=bool, changes={field: (old, new)})
# ``changes`` holds the watched fields that changed (WATCHED_FIELDS in customers.services).
customer_saved = Signal()

# customers_merging(sender=Customer, keep=..., merge=...) — inside the merge transaction,
# before rows move to ``keep``: a listener whose models allow one row per customer (or per
# customer and something) resolves the clashes so the move cannot break a unique constraint.
customers_merging = Signal()
