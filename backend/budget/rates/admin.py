from django.contrib import admin

from budget.common.admin import ReadOnlyAdmin
from budget.rates.models import LedgerRate, ReferenceRate


@admin.register(LedgerRate)
class LedgerRateAdmin(ReadOnlyAdmin):
    list_display = ("currency", "date", "rate", "ledger", "created_at")
    list_filter = ("currency",)
    search_fields = ("currency", "ledger__name")
    list_select_related = ("ledger",)


@admin.register(ReferenceRate)
class ReferenceRateAdmin(ReadOnlyAdmin):
    list_display = ("currency", "date", "rate")
    list_filter = ("currency",)
    search_fields = ("currency",)
    date_hierarchy = "date"
