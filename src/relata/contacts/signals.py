"""Signals other apps listen to (engagement's triggers); sent after the transaction commits."""

from django.dispatch import Signal

# complaint_filed(sender=Complaint, complaint=...)
complaint_filed = Signal()
