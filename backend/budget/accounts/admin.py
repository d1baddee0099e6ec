from django.contrib import admin

from budget.accounts.models import ApiKey, User
from budget.common.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Staff may lock an account or grant admin access; everything else goes through the
    API (registration makes the first ledger, deletion releases the ledgers)."""

    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "full_name")
    ordering = ("-date_joined",)
    fields = ("email", "full_name", "is_active", "is_staff", "is_superuser", "date_joined")
    readonly_fields = ("email", "full_name", "date_joined")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at")
    search_fields = ("name", "user__email", "prefix")
    exclude = ("key_hash",)
