from django.contrib import admin

from relata.imports.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("original_name", "kind", "status", "row_count", "error_count",
                    "created_count", "updated_count", "created_by", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("original_name",)
    readonly_fields = ("created_at", "finished_at")
