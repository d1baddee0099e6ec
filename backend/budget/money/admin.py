from django.contrib import admin

from budget.common.admin import ReadOnlyAdmin
from budget.money.models import Bucket, Category, Transaction, Wallet


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("name", "ledger", "kind", "archived", "created_at")
    list_filter = ("kind", "archived")
    search_fields = ("name", "ledger__name")
    list_select_related = ("ledger",)


@admin.register(Bucket)
class BucketAdmin(ReadOnlyAdmin):
    list_display = ("name", "ledger", "allocation_percent", "is_system", "archived")
    list_filter = ("is_system", "archived")
    search_fields = ("name", "ledger__name")
    list_select_related = ("ledger",)


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ("name", "ledger", "type", "archived")
    list_filter = ("type", "archived")
    search_fields = ("name", "ledger__name")
    list_select_related = ("ledger",)


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("date", "kind", "amount", "description", "ledger", "allocation_status")
    list_filter = ("kind", "allocation_status")
    search_fields = ("description", "ledger__name")
    date_hierarchy = "date"
    list_select_related = ("ledger",)
    ordering = ("-date", "-created_at")
