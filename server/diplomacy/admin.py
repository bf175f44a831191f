"""The curators' admin. Every save and delete goes through ``services``, as the API's writes do."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from . import selectors, services
from .dates import PartialDate
from .models import (
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Record,
    Source,
    Statement,
    Topic,
)


class PartialDateInput(forms.CharField):
    """One text box for a partial date: "2024", "2024-07" or "2024-07-26"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "YYYY[-MM[-DD]]"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> PartialDate | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return PartialDate.parse(text)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class PartialDateForm(ModelForm):
    """Shows each partial date as one field and writes its three columns back."""

    partial_dates: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.partial_dates:
            value = getattr(self.instance, name)
            self.initial.setdefault(name, value.isoformat() if value else "")

    def _post_clean(self) -> None:
        for name in self.partial_dates:
            if name not in self.errors:
                setattr(self.instance, name, self.cleaned_data.get(name))
        super()._post_clean()  # type: ignore[misc]
        # The date columns are not form fields, so Django skipped the checks on them; run those
        # (and only those: the others have run already).
        date_columns = {
            f"{name}_{part}"
            for name in self.partial_dates
            for part in ("earliest", "latest", "precision")
        }
        others = {field.name for field in self.instance._meta.fields} - date_columns
        try:
            self.instance.validate_constraints(exclude=others)
        except ValidationError as error:
            self._update_errors(error)  # type: ignore[attr-defined]


def partial_date_form(
    model: type[Model], *names: str, **extra_fields: forms.Field
) -> type[PartialDateForm]:
    columns = [f"{name}_{part}" for name in names for part in ("earliest", "latest", "precision")]
    meta = type("Meta", (), {"model": model, "exclude": columns})
    declared: dict[str, Any] = {
        name: PartialDateInput(label=name.replace("_", " ").capitalize()) for name in names
    } | extra_fields
    return type(
        f"{model.__name__}Form",
        (PartialDateForm,),
        {"Meta": meta, "partial_dates": names, **declared},
    )


def _stored_owner(part: services.Part) -> Record:
    """The record a nested part belongs to in the database, before the form's change is saved."""
    return services.part_owner(type(part)._default_manager.get(pk=part.pk))


class ServiceInlineFormSet(BaseInlineFormSet):
    """Saves and deletes inline rows through the services."""

    def save_new(self, form: ModelForm, commit: bool = True) -> Any:
        instance = super().save_new(form, commit=False)
        return services.part_save(instance) if commit else instance

    def save_existing(self, form: ModelForm, obj: Any, commit: bool = True) -> Any:
        instance = super().save_existing(form, obj, commit=False)
        return services.part_save(instance) if commit else instance

    def delete_existing(self, obj: Any, commit: bool = True) -> None:
        if commit:
            services.part_delete(obj)


class CitationInline(admin.StackedInline):
    """Every claim keeps at least one citation: removing the last one is a form error."""

    model = Citation
    formset = ServiceInlineFormSet
    extra = 0
    min_num = 1
    autocomplete_fields = ("source",)
    fields = ("source", "excerpt", "locator")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        return super().get_formset(request, obj, validate_min=True, **kwargs)


class PositionInline(admin.TabularInline):
    model = Position
    form = partial_date_form(Position, "start", "end")
    formset = ServiceInlineFormSet
    extra = 0
    fields = ("title", "organization", "country", "start", "end")
    show_change_link = True


class ParticipantInline(admin.TabularInline):
    model = Participant
    formset = ServiceInlineFormSet
    extra = 0
    autocomplete_fields = ("official",)
    fields = ("official", "label", "country", "role")


class RecordAdmin(admin.ModelAdmin):
    """Saves through the services; a change to the record or its inlines is one new version.

    Deleted records are listed on their own page, from their history, and can be restored.
    """

    readonly_fields = ("version", "created_at", "updated_at")
    change_list_template = "admin/diplomacy/record_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "deleted/",
                self.admin_site.admin_view(self.deleted_view),
                name="{}_{}_deleted".format(*info),
            ),
            path(
                "deleted/<int:pk>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="{}_{}_restore".format(*info),
            ),
        ]
        return own + super().get_urls()

    def deleted_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Deleted {self.opts.verbose_name_plural}",
            "deleted": selectors.deleted_records(self.model),
        }
        return TemplateResponse(request, "admin/diplomacy/deleted_records.html", context)

    def restore_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            record = services.record_restore(self.model, pk, user=request.user)
        except services.NotRestorable as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_deleted")
        self.message_user(request, f"Restored “{record}” as version {record.version}.")
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", record.pk)

    def save_model(self, request: HttpRequest, obj: Record, form: Any, change: bool) -> None:
        services.record_stage(obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        changed = form.has_changed() or any(formset.has_changed() for formset in formsets)
        services.record_commit(
            form.instance, user=request.user, created=not change, changed=changed
        )

    def delete_model(self, request: HttpRequest, obj: Record) -> None:
        services.record_delete(obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for record in queryset:
            services.record_delete(record, user=request.user)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("slug", "name")
    search_fields = ("slug", "name")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Official)
class OfficialAdmin(RecordAdmin):
    list_display = ("name", "slug", "country", "position_count", "version", "updated_at")
    list_filter = ("country",)
    search_fields = ("name", "slug", "aliases", "positions__title")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (PositionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Official]:
        return (
            super().get_queryset(request).annotate(position_total=Count("positions", distinct=True))
        )

    @admin.display(description="posts", ordering="position_total")
    def position_count(self, official: Any) -> int:
        return int(official.position_total)


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    """A post held, with the citations that support it (not editable inline on the official)."""

    form = partial_date_form(Position, "start", "end")
    list_display = ("official", "title", "organization", "country", "start", "end")
    list_select_related = ("official",)
    list_filter = ("country",)
    search_fields = ("title", "organization", "official__name")
    autocomplete_fields = ("official",)
    inlines = (CitationInline,)

    def save_model(self, request: HttpRequest, obj: Position, form: Any, change: bool) -> None:
        obj._previous_owner = _stored_owner(obj) if change else None  # type: ignore[attr-defined]
        services.part_save(obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if form.has_changed() or any(fs.has_changed() for fs in formsets):
            services.parts_changed(
                form.instance, previous_owner=form.instance._previous_owner, user=request.user
            )

    def delete_model(self, request: HttpRequest, obj: Position) -> None:
        owner = services.part_owner(obj)
        services.part_delete(obj)
        services.record_touch(owner, user=request.user)


@admin.register(Source)
class SourceAdmin(RecordAdmin):
    form = partial_date_form(
        Source,
        "published",
        document_url=forms.URLField(
            label="URL", max_length=500, required=False, assume_scheme="https"
        ),
    )
    list_display = ("title", "kind", "author", "publisher", "published", "language")
    list_filter = ("kind", "language")
    search_fields = ("title", "author", "publisher")


@admin.register(Contact)
class ContactAdmin(RecordAdmin):
    form = partial_date_form(Contact, "date", "end_date")
    list_display = ("title", "kind", "status", "date", "location", "country", "citation_count")
    list_filter = ("kind", "status", "country", "topics")
    search_fields = ("title", "summary", "occasion", "location", "participants__label")
    filter_horizontal = ("topics",)
    inlines = (ParticipantInline, CitationInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        return (
            super().get_queryset(request).annotate(citation_total=Count("citations", distinct=True))
        )

    @admin.display(description="citations", ordering="citation_total")
    def citation_count(self, contact: Any) -> int:
        return int(contact.citation_total)


@admin.register(Statement)
class StatementAdmin(RecordAdmin):
    form = partial_date_form(Statement, "said")
    list_display = ("short_text", "speaker_name", "said", "kind", "citation_count")
    list_select_related = ("speaker",)
    list_filter = ("kind", "speaker_country", "language", "topics")
    search_fields = ("text", "speaker__name", "speaker_label")
    autocomplete_fields = ("speaker", "contact", "origin")
    filter_horizontal = ("topics",)
    inlines = (CitationInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Statement]:
        return (
            super().get_queryset(request).annotate(citation_total=Count("citations", distinct=True))
        )

    @admin.display(description="text")
    def short_text(self, statement: Statement) -> str:
        return statement.text if len(statement.text) <= 80 else statement.text[:79] + "…"

    @admin.display(description="speaker", ordering="speaker__name")
    def speaker_name(self, statement: Statement) -> str:
        return statement.speaker.name if statement.speaker else statement.speaker_label

    @admin.display(description="citations", ordering="citation_total")
    def citation_count(self, statement: Any) -> int:
        return int(statement.citation_total)


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ("source", "locator", "excerpt", "position", "contact", "statement")
    list_select_related = ("source", "position", "contact", "statement__speaker")
    search_fields = ("excerpt", "locator", "source__title")
    autocomplete_fields = ("source", "position", "contact", "statement")
    list_filter = ("source",)

    def save_model(self, request: HttpRequest, obj: Citation, form: Any, change: bool) -> None:
        previous_owner = _stored_owner(obj) if change else None
        services.part_save(obj)
        if form.has_changed():
            services.parts_changed(obj, previous_owner=previous_owner, user=request.user)

    def delete_model(self, request: HttpRequest, obj: Citation) -> None:
        owner = services.part_owner(obj)
        services.part_delete(obj)
        services.record_touch(owner, user=request.user)
