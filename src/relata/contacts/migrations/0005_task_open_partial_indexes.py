"""Partial indexes over open tasks in inbox order (priority, due date, id): a person's inbox,
a team queue and the list of all open tasks read their page straight off the index instead
of sorting every open task (benchmarks/task_inbox.py)."""

from django.db import migrations, models

OPEN = ("open", "in_progress", "waiting")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0004_default_routing_rules")]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("status__in", OPEN)),
                fields=["assignee", "priority", "due_date", "id"],
                name="task_open_inbox_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("assignee__isnull", True), ("status__in", OPEN)),
                fields=["team", "priority", "due_date", "id"],
                name="task_open_queue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("status__in", OPEN)),
                fields=["priority", "due_date", "id"],
                name="task_open_all_idx",
            ),
        ),
    ]
