"""Signals other apps listen to (engagement's triggers); sent after the transaction commits,
so a listener that fails never undoes the write that caused it."""

from django.dispatch import Signal

# customer_saved(sender=Customer, customer=..., created=bool, changes={field: (old, new)})
# ``changes`` holds the watched fields that changed (WATCHED_FIELDS in customers.services).
customer_saved = Signal()
