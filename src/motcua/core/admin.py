"""Django admin for units, counters, officers and roles — scoped to the administrator's subtree.

Every queryset goes through `motcua.core.permissions`; writes go through `motcua.core.services`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from motcua.core.domain.permissions import Action, Role
from motcua.core.models import ApiToken, Counter, RoleAssignment, Unit, User
from motcua.core.permissions import can, has_any, scope, units_for
from motcua.core.services import save_unit
from motcua.core.tokens import revoke_token


class UnitScopedAdminMixin:
    """Rows belong to a unit (via `unit_field`); who sees and who changes them follows the role table."""

    unit_field = "unit"
    view_action = Action.UNIT_VIEW
    manage_action = Action.UNIT_MANAGE

    def _unit_of(self, obj: Any) -> Unit | None:
        return obj if self.unit_field == "self" else getattr(obj, self.unit_field, None)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return scope(qs, request.user, self.view_action, self.unit_field)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff and has_any(request.user, self.view_action))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return can(request.user, self.view_action, self._unit_of(obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_any(request.user, self.manage_action)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return has_any(request.user, self.manage_action)
        return can(request.user, self.manage_action, self._unit_of(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj) and (obj is None or self.unit_field != "self")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Unit:
            kwargs["queryset"] = units_for(request.user, self.manage_action)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class CounterInline(UnitScopedAdminMixin, admin.TabularInline):
    model = Counter
    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or can(request.user, Action.UNIT_VIEW, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and can(request.user, Action.UNIT_MANAGE, obj)

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


@admin.register(Unit)
class UnitAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    unit_field = "self"
    list_display = ("code", "name", "kind", "parent", "is_one_stop_desk", "is_active")
    list_filter = ("kind", "is_one_stop_desk", "is_active")
    search_fields = ("code", "name")
    readonly_fields = ("path", "depth")
    inlines = [CounterInline]
    fields = ("code", "name", "kind", "parent", "address", "phone", "email", "is_one_stop_desk", "office_hours",
              "is_active", "path", "depth")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_any(request.user, Action.UNIT_MANAGE)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        parent = form.base_fields.get("parent")
        if parent is not None and obj is not None and obj.parent_id is not None:
            # Keeping the current parent is always allowed; moving is only into units the admin manages.
            parent.queryset = Unit.objects.filter(
                Q(pk=obj.parent_id) | Q(pk__in=units_for(request.user, Action.UNIT_MANAGE).values("pk"))
            )
        return form

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        save_unit(obj, actor=request.user)


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleAssignment]:
        return scope(super().get_queryset(request), request.user, Action.STAFF_MANAGE)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "unit":
            kwargs["queryset"] = units_for(request.user, Action.STAFF_MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "role" and not request.user.is_superuser:
            allowed = _is_province_admin(request)
            field.choices = [c for c in field.choices if c[0] != Role.PROVINCE_ADMIN.value or allowed]
        return field

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_any(request.user, Action.STAFF_MANAGE)

    has_add_permission = has_view_permission
    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


def _is_province_admin(request: HttpRequest) -> bool:
    return RoleAssignment.objects.filter(user_id=request.user.pk, role=Role.PROVINCE_ADMIN.value).exists()


class UserAdmin(DjangoUserAdmin):
    """Unit administrators manage the officers who hold a role in their subtree."""

    inlines = [RoleAssignmentInline]
    list_display = ("username", "full_name", "email", "is_active")
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "title", "email", "phone")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ("is_superuser", "is_staff")
        return fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        managed = scope(RoleAssignment.objects.all(), request.user, Action.STAFF_MANAGE).values("user_id")
        # Officers with a role in the admin's subtree, plus accounts the admin just created (no role yet).
        return qs.filter(pk__in=managed) | qs.filter(roles__isnull=True, is_superuser=False)

    def _may(self, request: HttpRequest, obj: Any = None) -> bool:
        if not has_any(request.user, Action.STAFF_MANAGE):
            return False
        if obj is None or request.user.is_superuser:
            return True
        if obj.is_superuser:
            return False
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff and has_any(request.user, Action.STAFF_MANAGE))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


admin.site.unregister(User) if admin.site.is_registered(User) else None
admin.site.register(User, UserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `motcua token issue` (the secret is shown once); here they are listed and revoked."""

    list_display = ("name", "prefix", "user", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("name", "user", "prefix", "units", "actions", "created_at", "expires_at", "revoked_at",
                       "last_used_at")
    actions = ["revoke"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            revoke_token(actor=request.user, token=token)
