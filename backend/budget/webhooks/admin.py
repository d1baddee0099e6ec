from django.contrib import admin

from budget.common.admin import ReadOnlyAdmin
from budget.webhooks.models import Delivery, Webhook


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = ("url", "ledger", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("url", "ledger__name")
    exclude = ("secret",)
    list_select_related = ("ledger",)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event", "webhook", "status", "attempts", "response_code", "created_at")
    list_filter = ("status", "event")
    list_select_related = ("webhook",)
