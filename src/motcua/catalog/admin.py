"""Django admin for the catalogue. Writes go through `motcua.catalog.services`.

Anyone with staff access may view; only holders of `Action.CATALOG_MANAGE` (unit or province
administrators) and superusers may change. A unit's own variant of the process steps is shown and
editable only for units in the administrator's reach, and new variants can only name such units.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from motcua.catalog import services
from motcua.catalog.models import (
    Channels,
    FeeRule,
    Field,
    Procedure,
    ProcedureLevel,
    ProcedureUnit,
    ProcessStep,
    RequiredDocument,
)
from motcua.core.domain.permissions import Action
from motcua.core.permissions import has_any, scope, units_for


def _may_manage(request: Any) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or has_any(user, Action.CATALOG_MANAGE)))


class CatalogPermissions:
    """View for staff; change only for catalogue managers."""

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_module_permission(self, request: Any) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return _may_manage(request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return _may_manage(request)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return _may_manage(request)


@admin.register(Field)
class FieldAdmin(CatalogPermissions, admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def save_model(self, request: Any, obj: Field, form: Any, change: bool) -> None:
        services.save_field(obj, actor=request.user)


class ProcedureForm(forms.ModelForm):
    submission_channels = forms.MultipleChoiceField(
        label=_("ways of submitting"), choices=Channels.choices, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Procedure
        fields = (
            "code", "name", "field", "is_active", "steps_text", "submission_channels", "target_subjects",
            "implementing_agency", "result", "result_kind", "legal_limit_kind", "legal_limit_amount",
            "internal_limit_kind", "internal_limit_amount", "time_limit_note", "legal_basis", "fee_note",
            "online_level", "is_demo_data", "demo_note",
        )


class LevelInline(CatalogPermissions, admin.TabularInline):
    model = ProcedureLevel
    extra = 0
    min_num = 1


class DocumentInline(CatalogPermissions, admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ("order", "name", "originals", "copies", "mandatory", "template", "note")


class FeeInline(CatalogPermissions, admin.TabularInline):
    model = FeeRule
    extra = 0
    fields = ("order", "name", "kind", "amount", "basis", "tiers", "cap_per_copy", "note")


class StepFormSet(BaseInlineFormSet):
    """Checks that the shares of each step list (template, or one unit's variant) add up to the limit."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance is None or not self.instance.legal_limit_kind:
            return
        groups: dict[Any, list[int]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("hours") is None:
                continue
            groups.setdefault(data.get("unit"), []).append(data["hours"])
        problems: list[str] = []
        try:
            for unit, hours in groups.items():
                problems.extend(services.check_step_group(self.instance, hours, unit))
        except ValueError:
            return  # the procedure's own limit is invalid: its form reports that
        if problems:
            raise ValidationError(problems)


class StepInline(CatalogPermissions, admin.TabularInline):
    """The province-wide step template (no unit)."""

    model = ProcessStep
    formset = StepFormSet
    extra = 0
    fields = ("order", "name", "role", "relative_unit", "hours")
    verbose_name = _("process step (template)")
    verbose_name_plural = _("process steps (template)")

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).filter(unit__isnull=True)


class UnitStepInline(CatalogPermissions, admin.TabularInline):
    """Per-unit variants: only units the administrator manages are shown and can be chosen."""

    model = ProcessStep
    formset = StepFormSet
    extra = 0
    fields = ("unit", "order", "name", "role", "relative_unit", "hours")
    verbose_name = _("process step of a unit variant")
    verbose_name_plural = _("process steps of unit variants")

    def get_queryset(self, request: Any) -> Any:
        qs = super().get_queryset(request).filter(unit__isnull=False).select_related("unit")
        return scope(qs, request.user, Action.CATALOG_MANAGE)

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "unit":
            kwargs["queryset"] = units_for(request.user, Action.CATALOG_MANAGE)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UnitLinkInline(CatalogPermissions, admin.TabularInline):
    model = ProcedureUnit
    extra = 0
    fields = ("role", "unit", "unit_kind")
    autocomplete_fields = ()


@admin.register(Procedure)
class ProcedureAdmin(CatalogPermissions, admin.ModelAdmin):
    form = ProcedureForm
    list_display = ("code", "name", "field", "legal_limit_kind", "legal_limit_amount", "online_level",
                    "is_demo_data", "is_active")
    list_filter = ("field", "levels__level", "online_level", "is_demo_data", "is_active")
    list_select_related = ("field",)
    search_fields = ("code", "name")
    list_per_page = 50
    inlines = (LevelInline, DocumentInline, FeeInline, StepInline, UnitStepInline, UnitLinkInline)
    fieldsets = (
        (None, {"fields": ("code", "name", "field", "is_active")}),
        (_("Decree 63/2010, art. 8.2"), {"fields": (
            "steps_text", "submission_channels", "target_subjects", "implementing_agency", "result",
            "result_kind")}),
        (_("Time limit"), {"fields": (
            ("legal_limit_kind", "legal_limit_amount"), ("internal_limit_kind", "internal_limit_amount"),
            "time_limit_note")}),
        (_("Legal basis, fees, online service"), {"fields": ("legal_basis", "fee_note", "online_level")}),
        (_("Demo data"), {"fields": ("is_demo_data", "demo_note")}),
    )

    def get_search_results(self, request: Any, queryset: Any, search_term: str) -> tuple[Any, bool]:
        from motcua.catalog.domain.text import search_terms

        for term in search_terms(search_term):
            queryset = queryset.filter(search_text__contains=f" {term}")
        return queryset, False

    def save_model(self, request: Any, obj: Procedure, form: Any, change: bool) -> None:
        services.save_procedure(obj, actor=request.user)

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        if formset.model is ProcessStep:
            steps = formset.save(commit=False)
            services.save_steps(actor=request.user, procedure=form.instance, steps=steps,
                                deleted=formset.deleted_objects)
            return
        formset.save()

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return () if _may_manage(request) else [f.name for f in Procedure._meta.fields]
