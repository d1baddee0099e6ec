"""The caller's notifications: /notifications… (SPEC §8). Nobody sees another user's."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from budget.common.errors import NotFound
from budget.common.pagination import Pages
from budget.notifications import selectors, services
from budget.notifications.schemas import NotificationFilters, NotificationOut, ReadAllOut

router = Router(tags=["notifications"])


@router.get("", response=list[NotificationOut])
@paginate(Pages)
def notification_list(request: HttpRequest, filters: Query[NotificationFilters]):
    """Newest first. `?unread=true` for the unread ones; its `count` is the unread count."""
    return selectors.notifications_of(user=request.auth, unread=filters.unread)


@router.post("/read-all", response=ReadAllOut)
def notification_read_all(request: HttpRequest):
    return {"read": services.notifications_read_all(user=request.auth)}


@router.post("/{uuid:notification_id}/read", response=NotificationOut)
def notification_read(request: HttpRequest, notification_id: UUID):
    notification = selectors.notification_get(user=request.auth, notification_id=notification_id)
    if notification is None:
        raise NotFound("Notification not found.")
    return services.notification_read(notification=notification)
