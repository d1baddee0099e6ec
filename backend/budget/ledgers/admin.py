from django.contrib import admin

from budget.common.admin import ReadOnlyAdmin
from budget.ledgers.models import Ledger, Membership


@admin.register(Ledger)
class LedgerAdmin(ReadOnlyAdmin):
    list_display = ("name", "currency", "created_at", "version")
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("ledger", "user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("ledger__name", "user__email")
    list_select_related = ("ledger", "user")
