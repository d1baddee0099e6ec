from django.contrib import admin

from budget.common.admin import ReadOnlyAdmin
from budget.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "user", "ledger", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "user__email")
    list_select_related = ("user", "ledger")
