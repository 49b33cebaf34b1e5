"""Django admin for the national calendar: everyone with admin access may view it; only holders of
CALENDAR_MANAGE (superusers and province administrators) may change it. Writes go through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from motcua.core.domain.permissions import Action
from motcua.core.permissions import has_any
from motcua.workcalendar.models import Holiday
from motcua.workcalendar.services import delete_holiday, save_holiday


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "kind", "source")
    list_filter = ("kind", "source")
    search_fields = ("name",)
    date_hierarchy = "date"
    fields = ("date", "name", "kind", "source", "updated_at")
    readonly_fields = ("source", "updated_at")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def _may_manage(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff and has_any(request.user, Action.CALENDAR_MANAGE))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request)

    def save_model(self, request: HttpRequest, obj: Holiday, form: Any, change: bool) -> None:
        save_holiday(actor=request.user, holiday=obj)

    def delete_model(self, request: HttpRequest, obj: Holiday) -> None:
        delete_holiday(actor=request.user, holiday=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Holiday]) -> None:
        for holiday in queryset:
            delete_holiday(actor=request.user, holiday=holiday)
