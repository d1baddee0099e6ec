from django.contrib import admin

from budget.common.admin import ReadOnlyAdmin
from budget.ledgers.models import Invitation, Ledger, Membership


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


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "ledger", "role", "invited_by", "created_at")
    list_filter = ("role", "kind")
    search_fields = ("email", "ledger__name")
    list_select_related = ("ledger", "invited_by")
