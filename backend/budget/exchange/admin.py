from django.contrib import admin

from budget.common.admin import ReadOnlyAdmin
from budget.exchange.models import ImportJob, ImportProfile


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("filename", "ledger", "status", "total_rows", "created_count", "created_at")
    list_filter = ("status",)
    search_fields = ("filename", "ledger__name")
    list_select_related = ("ledger",)
    exclude = ("errors", "duplicates", "preview")  # long lists; the API pages them


@admin.register(ImportProfile)
class ImportProfileAdmin(ReadOnlyAdmin):
    list_display = ("name", "ledger", "wallet", "updated_at")
    search_fields = ("name", "ledger__name")
    list_select_related = ("ledger", "wallet")
