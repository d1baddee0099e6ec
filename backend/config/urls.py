from django.conf import settings
from django.contrib import admin
from django.urls import path

from budget.accounts.admin_login import admin_login
from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
]

# The admin is on by default locally and off in production unless ADMIN_ENABLED=true.
if settings.ADMIN_ENABLED:
    urlpatterns += [
        # Ahead of the admin's own login URL, which it replaces with a throttled one.
        path("admin/login/", admin_login),
        path("admin/", admin.site.urls),
    ]
