from django.contrib import admin

from budget.common.admin import ReadOnlyAdmin
from budget.planning.models import Budget, Goal, RecurringTransaction


@admin.register(RecurringTransaction)
class RecurringTransactionAdmin(ReadOnlyAdmin):
    list_display = ("description", "ledger", "kind", "amount", "frequency", "active", "next_date")
    list_filter = ("kind", "frequency", "active")
    search_fields = ("description", "ledger__name")
    list_select_related = ("ledger",)


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ("category", "ledger", "amount", "alert_percent", "start_month", "end_month")
    search_fields = ("category__name", "ledger__name")
    list_select_related = ("ledger", "category")


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ("name", "ledger", "bucket", "target_amount", "target_date")
    search_fields = ("name", "ledger__name")
    list_select_related = ("ledger", "bucket")
