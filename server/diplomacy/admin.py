"""The curators' admin. Every save and delete goes through ``services``, as the API's writes do.

A submission (the record's form with its inline rows) is checked whole by the services before
anything is saved, so the admin refuses what the API refuses, with each error on its field.
Resources have their history (a readable diff of each version, nested parts included), revert
to any version and restore after deletion, all through the services; claims are reviewed with
actions; selected records export as CSV or JSON, and a JSON export imports back after a preview.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import exchange, selectors, services
from .dates import PartialDate
from .models import (
    Citation,
    Contact,
    Official,
    Participant,
    Position,
    Record,
    ReviewState,
    Source,
    Statement,
    Topic,
)
from .revisions import CITATION_FIELDS, REVIEW_FIELDS, SPECS, changes


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
            raise forms.ValidationError(
                "%(reason)s", code="invalid", params={"reason": str(error)}
            ) from None


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


def _stored_claim(part: services.Part) -> Any:
    return services.part_claim(type(part)._default_manager.get(pk=part.pk))


# -- checking a whole submission with the services -----------------------------------------

# Where an inline row shows the errors of its post's first citation.
FIRST_CITATION_FIELDS = {
    "source": "citation_source",
    "excerpt": "citation_excerpt",
    "locator": "citation_locator",
}


# Per nested list: its formset, and the row forms of the items sent to the services.
Rows = dict[str, tuple[Any, list[Any]]]
POSITION_FIELDS = ("title", "organization", "country", "start", "end")


def _stored_post(position: Position) -> dict[str, Any]:
    return {
        **{name: getattr(position, name) for name in POSITION_FIELDS},
        "citations": _stored_citations(position),
    }


def _stored_citations(owner: Any) -> list[dict[str, Any]]:
    return [
        {name: getattr(citation, name) for name in CITATION_FIELDS}
        for citation in owner.citations.order_by("id")
    ]


class Submission:
    """One admin page's main form and inline formsets, checked whole before anything is saved.

    Django validates the main form, then each formset in turn; the last formset to be cleaned
    runs the check, when every part of the submission is known. The services' errors are put on
    the fields (and inline rows) they concern.
    """

    def __init__(self, model: type[Record], pk: int | None) -> None:
        self.model = model
        self.pk = pk
        self.form: forms.ModelForm | None = None
        self.formsets: list[ServiceInlineFormSet] = []
        self.cleaned: set[int] = set()

    def formset_cleaned(self, formset: ServiceInlineFormSet) -> None:
        self.cleaned.add(id(formset))
        if len(self.cleaned) < len(self.formsets) or self.form is None:
            return  # not the last, or the main form is invalid (its errors show already)
        if any(not other.is_valid() for other in self.formsets if other is not formset):
            return
        data, rows = self.data()
        try:
            services.record_check(self.model, self.pk, data)
        except services.InvalidRecord as error:
            if self.place(error.errors, rows, exclude=formset):
                # Errors shown elsewhere on the page must still stop the save.
                raise ValidationError(
                    "Nothing was saved: correct the errors marked on this page."
                ) from None

    def place(self, errors: dict[str, Any], rows: Rows, exclude: Any) -> bool:
        assert self.form is not None
        return place_errors(errors, self.form, rows, exclude)

    def data(self) -> tuple[dict[str, Any], Rows]:
        assert self.form is not None
        data = form_data(self.model, self.form)
        rows: Rows = {}
        for formset in self.formsets:
            items, forms_of_items = formset.items()
            data[str(formset.prefix)] = items
            rows[str(formset.prefix)] = (formset, forms_of_items)
        return data, rows


class PostSubmission(Submission):
    """A post held on its own page, with its citations: checked as a write of its official's
    posts, this one changed as submitted."""

    index = 0

    def data(self) -> tuple[dict[str, Any], Rows]:
        assert self.form is not None
        official = self.form.cleaned_data["official"]
        self.pk = official.pk
        others = Position.objects.filter(official=official).exclude(pk=self.form.instance.pk)
        posts = [_stored_post(post) for post in others.order_by("id")]
        self.index = len(posts)
        [formset] = self.formsets
        citations, row_forms = formset.items()
        posts.append(
            {
                **{name: self.form.cleaned_data.get(name) for name in POSITION_FIELDS},
                "citations": citations,
            }
        )
        return {"positions": posts}, {"citations": (formset, row_forms)}

    def place(self, errors: dict[str, Any], rows: Rows, exclude: Any) -> bool:
        assert self.form is not None
        posts = errors.get("positions")
        if isinstance(posts, list) and len(posts) > self.index and posts[self.index]:
            return place_errors(posts[self.index], self.form, rows, exclude)
        self.form.add_error(None, _messages(errors))
        return True


def form_data(model: type[Record], form: forms.BaseForm) -> dict[str, Any]:
    """The record's own fields and topics from a valid main form, in the services' format."""
    spec = SPECS[model]
    data = {
        name: form.cleaned_data[name]
        for name in spec.fields
        if name in form.cleaned_data and name not in REVIEW_FIELDS
    }
    if spec.topics and "topics" in form.cleaned_data:
        data["topics"] = list(form.cleaned_data["topics"])
    if data.get("speaker"):
        # Derived from the speaker by the services; a stale value must not block a new speaker.
        data.pop("speaker_country", None)
    return data


def place_errors(
    errors: dict[str, Any],
    form: forms.BaseForm,
    rows: dict[str, tuple[Any, list[forms.Form]]],
    exclude: Any = None,
) -> bool:
    """Put the services' errors on the fields and rows they concern; True if any went somewhere
    other than ``exclude`` (a formset whose own clean is raising)."""
    elsewhere = False
    for name, value in errors.items():
        if name in rows:
            formset, row_forms = rows[name]
            if isinstance(value, list) and any(isinstance(item, dict) for item in value):
                for row_form, item_errors in zip(row_forms, value, strict=False):
                    for field_name, messages in (item_errors or {}).items():
                        _add_row_error(row_form, field_name, messages)
            else:
                formset._non_form_errors.extend(_messages(value))
            elsewhere = elsewhere or formset is not exclude
        else:
            target = name if name in form.fields else None
            form.add_error(target, _messages(value))
            elsewhere = True
    return elsewhere


def _add_row_error(row_form: forms.Form, name: str, messages: Any) -> None:
    if name == "citations" and "citation_excerpt" in row_form.fields:
        # A post held on its official's page: its first citation is edited in the row.
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            for index, citation_errors in enumerate(messages):
                for citation_field, texts in (citation_errors or {}).items():
                    target = FIRST_CITATION_FIELDS.get(citation_field) if index == 0 else None
                    prefix = "" if target else f"Citation {index + 1}, {citation_field}: "
                    row_form.add_error(target, [prefix + text for text in _messages(texts)])
        else:
            row_form.add_error("citation_excerpt", _messages(messages))
        return
    row_form.add_error(name if name in row_form.fields else None, _messages(messages))


def _messages(value: Any) -> list[str]:
    if isinstance(value, list):
        return [text if isinstance(text, str) else json.dumps(text) for text in value]
    if isinstance(value, dict):
        return [f"{key}: {' '.join(_messages(texts))}" for key, texts in value.items()]
    return [str(value)]


class ServiceInlineFormSet(BaseInlineFormSet):
    """Saves and deletes inline rows through the services; the last one cleaned checks the whole
    submission (see ``Submission``)."""

    def __init__(self, *args: Any, submission: Submission | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submission = submission
        if submission is not None:
            submission.formsets.append(self)

    def clean(self) -> None:
        super().clean()
        if self.submission is not None:
            self.submission.formset_cleaned(self)

    def items(self) -> tuple[list[dict[str, Any]], list[Any]]:
        """The rows kept (not deleted, not left empty), in the services' format."""
        fields = SPECS_OF_PARTS.get(str(self.prefix), ())
        items: list[dict[str, Any]] = []
        kept: list[Any] = []
        for row in self.forms:
            if not hasattr(row, "cleaned_data") or row.cleaned_data.get("DELETE"):
                continue
            if row.instance.pk is None and not row.has_changed():
                continue
            item = {name: row.cleaned_data.get(name) for name in fields}
            if isinstance(row, PositionRowForm):
                item["citations"] = row.citations()
            items.append(item)
            kept.append(row)
        return items, kept

    def save_new(self, form: ModelForm, commit: bool = True) -> Any:
        instance = super().save_new(form, commit=False)
        if not commit:
            return instance
        saved = services.part_save(instance)
        if isinstance(form, PositionRowForm):
            form.save_first_citation(saved)
        return saved

    def save_existing(self, form: ModelForm, obj: Any, commit: bool = True) -> Any:
        instance = super().save_existing(form, obj, commit=False)
        if not commit:
            return instance
        saved = services.part_save(instance, changed=form.has_changed())
        if isinstance(form, PositionRowForm):
            form.save_first_citation(saved)
        return saved

    def delete_existing(self, obj: Any, commit: bool = True) -> None:
        if commit:
            services.part_delete(obj)


SPECS_OF_PARTS: dict[str, tuple[str, ...]] = {
    "citations": CITATION_FIELDS,
    "participants": ("official", "label", "country", "role"),
    "positions": ("title", "organization", "country", "start", "end"),
}


class PositionRowForm(partial_date_form(Position, "start", "end")):  # type: ignore[misc]
    """A post held on its official's page, with its first citation in the same row (a post must
    cite a source); its other citations are edited on the post's own page."""

    citation_source = forms.ModelChoiceField(
        queryset=Source.objects.all(),
        required=False,
        label="Source",
        widget=AutocompleteSelect(Citation._meta.get_field("source"), admin.site),
    )
    citation_excerpt = forms.CharField(
        required=False,
        label="Excerpt",
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        help_text="The source's words, verbatim.",
    )
    citation_locator = forms.CharField(required=False, label="Locator", max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first = self._stored_citations()[:1]
        if first:
            self.initial.setdefault("citation_source", first[0].source_id)
            self.initial.setdefault("citation_excerpt", first[0].excerpt)
            self.initial.setdefault("citation_locator", first[0].locator)

    def _stored_citations(self) -> list[Citation]:
        if self.instance.pk is None:
            return []
        return list(self.instance.citations.order_by("id"))

    def _first_given(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not (data.get("citation_source") or data.get("citation_excerpt")):
            return None
        return {
            "source": data.get("citation_source"),
            "excerpt": data.get("citation_excerpt") or "",
            "locator": data.get("citation_locator") or "",
        }

    def citations(self) -> list[dict[str, Any]]:
        stored = [
            {name: getattr(c, name) for name in CITATION_FIELDS} for c in self._stored_citations()
        ]
        first = self._first_given()
        if first is None:
            return stored
        return [first, *stored[1:]]

    def save_first_citation(self, position: Position) -> None:
        first = self._first_given()
        if first is None:
            return
        stored = self._stored_citations()
        citation = stored[0] if stored else Citation(position=position)
        if citation.pk and all(getattr(citation, k) == v for k, v in first.items()):
            return
        for name, value in first.items():
            setattr(citation, name, value)
        services.part_save(citation)


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


class PositionInline(admin.StackedInline):
    model = Position
    verbose_name = "post held"
    verbose_name_plural = "posts held"
    form = PositionRowForm
    formset = ServiceInlineFormSet
    extra = 0
    fields = (
        ("title", "organization", "country"),
        ("start", "end"),
        ("citation_source", "citation_locator"),
        "citation_excerpt",
        "review_state",
    )
    readonly_fields = ("review_state",)
    show_change_link = True


class ParticipantInline(admin.TabularInline):
    model = Participant
    formset = ServiceInlineFormSet
    extra = 0
    autocomplete_fields = ("official",)
    fields = ("official", "label", "country", "role")


# -- review -----------------------------------------------------------------------------------


def _mark(state: str) -> Any:
    @admin.action(description=f"Mark selected as {state}", permissions=["change"])
    def mark(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        marked = sum(
            1 for claim in queryset if services.record_review(claim, state, user=request.user)
        )
        already = queryset.count() - marked
        note = f" ({already} already were)" if already else ""
        modeladmin.message_user(request, f"Marked {marked} as {state}{note}.")

    mark.__name__ = f"mark_{state}"
    return mark


mark_reviewed = _mark(ReviewState.REVIEWED)
mark_disputed = _mark(ReviewState.DISPUTED)
mark_draft = _mark(ReviewState.DRAFT)


class ReviewStateFilter(admin.SimpleListFilter):
    title = "review state"
    parameter_name = "review_state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, label) for value, label in ReviewState.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(review_state=self.value()) if self.value() else queryset


def year_filter(column: str, label: str) -> type[admin.SimpleListFilter]:
    """Records by the year a partial date may fall in (by its earliest day)."""

    class YearFilter(admin.SimpleListFilter):
        title = label
        parameter_name = f"{column}_year"

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            years = (
                model_admin.model._default_manager.exclude(**{f"{column}__isnull": True})
                .dates(column, "year")
                .distinct()
            )
            return [(str(day.year), str(day.year)) for day in years]

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            if not self.value() or not str(self.value()).isdigit():
                return queryset
            return queryset.filter(**{f"{column}__year": int(str(self.value()))})

    return YearFilter


# -- history, revert, export and import ------------------------------------------------------


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A JSON file in the export format.")


class RecordAdmin(SimpleHistoryAdmin):
    """Saves through the services; a change to the record or its inlines is one new version.

    Deleted records are listed on their own page, from their history, and can be restored.
    """

    readonly_fields: tuple[str, ...] = ("version", "created_at", "updated_at", "view_in_api")
    change_list_template = "admin/diplomacy/record_change_list.html"
    history_list_display = ["version"]
    actions = ["export_json", "export_csv"]
    list_per_page = 50

    # -- pages ---------------------------------------------------------------------------

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
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
        ]
        return own + super().get_urls()

    @admin.display(description="view in API")
    def view_in_api(self, record: Record) -> str:
        if record.pk is None:
            return "—"
        try:
            url = reverse(f"v1:{self.opts.model_name}-detail", args=[record.pk])
        except NoReverseMatch:
            return "—"
        if isinstance(record, Statement | Contact | Official):
            url += "?review=all"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

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

    # -- saving through the services -------------------------------------------------------

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_formset_kwargs(request, obj, inline, prefix)
        kwargs["submission"] = self._submission(obj)
        return kwargs

    def _submission(self, obj: Any) -> Submission:
        # One per page load: the form's instance is shared by the main form and every formset.
        submission = obj.__dict__.get("_admin_submission")
        if submission is None:
            submission = Submission(self.model, obj.pk)
            obj.__dict__["_admin_submission"] = submission
        return submission

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, **kwargs)
        if self.get_inline_instances(request, obj):
            return form_class
        # Without inlines the main form is the whole submission: it checks itself.
        return type(
            form_class.__name__, (CheckedAloneForm, form_class), {"record_model": self.model}
        )

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        # Called once the main form is valid and before the formsets are: they check the whole.
        self._submission(form.instance).form = form
        return super().save_form(request, form, change)

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

    # -- history and revert ----------------------------------------------------------------

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Any, foreign_keys_are_objs: bool = True
    ) -> None:
        # Compared snapshot to snapshot, so that nested parts and topics show too.
        rows = list(historical_records)
        found = [
            (newer, changes(older.snapshot, newer.snapshot or {}))
            for newer, older in itertools.pairwise(rows)
            if newer.history_type != "-"
        ]
        reviewers = {
            c[k]
            for _, cs in found
            for c in cs
            if c["field"] == "reviewed_by"
            for k in ("old", "new")
        }
        names = dict(
            get_user_model().objects.filter(pk__in=reviewers - {None}).values_list("pk", "username")
        )
        for newer, differences in found:
            newer.history_delta_changes = [
                {
                    "field": c["field"],
                    "old": _shown(
                        names.get(c["old"], c["old"]) if c["field"] == "reviewed_by" else c["old"]
                    ),
                    "new": _shown(
                        names.get(c["new"], c["new"]) if c["field"] == "reviewed_by" else c["new"]
                    ),
                }
                for c in differences
            ]

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """One version of the record, whole; POST writes it back as a new version."""
        history = self.model.history
        row = history.filter(id=object_id, history_id=version_id).first()
        if row is None or row.snapshot is None:
            raise Http404("No such version.")
        live = self.model._default_manager.filter(pk=object_id).first()
        if not self.has_view_or_change_permission(request, live):
            raise PermissionDenied
        if request.method == "POST":
            if live is None or not self.has_change_permission(request, live):
                raise PermissionDenied
            try:
                reverted = services.record_revert(live, int(version_id), user=request.user)
            except services.NotRestorable as error:
                self.message_user(request, str(error), messages.ERROR)
                return redirect(request.path)
            self.message_user(
                request,
                f"Reverted “{reverted}” to version {row.snapshot['version']}: it is now version "
                f"{reverted.version}.",
            )
            return redirect(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change", reverted.pk
            )
        current = exchange.document(live) if live is not None else None
        fields = [
            {
                "name": name,
                "value": _shown(value),
                "now": _shown(current.get(name)) if current is not None else "",
                "differs": current is not None and current.get(name) != value,
            }
            for name, value in row.snapshot.items()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Version {row.snapshot.get('version')} of {self.opts.verbose_name} "
            f"{object_id}",
            "row": row,
            "live": live,
            "fields": fields,
            "can_revert": live is not None and self.has_change_permission(request, live),
            "history_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[object_id]
            ),
        }
        return TemplateResponse(request, "admin/diplomacy/revision.html", context)

    # -- export and import -----------------------------------------------------------------

    @admin.action(description="Export selected as JSON")
    def export_json(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse:
        response = HttpResponse(
            exchange.export_json(queryset.order_by("pk")), content_type="application/json"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self.opts.verbose_name_plural}.json"'
        )
        return response

    @admin.action(description="Export selected as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse:
        response = HttpResponse(
            exchange.export_csv(self.model, queryset.order_by("pk")),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self.opts.verbose_name_plural}.csv"'
        )
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload an export, see what it would change, then apply it in one transaction."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import records",
            "form": ImportForm(),
        }
        if request.method == "POST" and "apply" in request.POST:
            return self._apply_import(request, context)
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            context["form"] = form
            if form.is_valid():
                text = form.cleaned_data["file"].read().decode("utf-8", errors="replace")
                try:
                    plan = exchange.plan(exchange.parse(text))
                except exchange.ImportFileError as error:
                    context["problems"] = error.problems
                else:
                    denied = self._denied(request, plan)
                    if denied:
                        context["problems"] = denied
                    else:
                        context.update(plan=plan, text=text, versions=json.dumps(plan.versions))
        return TemplateResponse(request, "admin/diplomacy/import.html", context)

    def _denied(self, request: HttpRequest, plan: exchange.ImportPlan) -> list[str]:
        problems = []
        for record in plan.records:
            opts = record.model._meta
            needed = "add" if record.status == "new" else "change"
            if record.status != "unchanged" and not request.user.has_perm(
                f"{opts.app_label}.{needed}_{opts.model_name}"
            ):
                problems.append(f"You may not {needed} {opts.verbose_name_plural}.")
        return sorted(set(problems))

    def _apply_import(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        text = request.POST.get("text", "")
        try:
            plan = exchange.plan(exchange.parse(text))
            versions = json.loads(request.POST.get("versions") or "{}")
            denied = self._denied(request, plan)
            if denied:
                raise exchange.ImportFileError(denied)
            exchange.apply(plan, user=request.user, versions=versions)
        except exchange.ImportFileError as error:
            context["problems"] = error.problems
        except exchange.StaleImport as error:
            context["problems"] = [str(error)]
        except services.InvalidRecord as error:
            context["problems"] = [
                f"{label}: {' '.join(_messages(errors))}" for label, errors in error.errors.items()
            ] + ["Nothing was imported."]
        else:
            self.message_user(
                request,
                f"Imported {plan.count('new')} new and {plan.count('changed')} changed records "
                f"({plan.count('unchanged')} unchanged).",
            )
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return TemplateResponse(request, "admin/diplomacy/import.html", context)


class CheckedAloneForm(forms.ModelForm):
    """A record's form with no inline rows: it is the whole submission, checked by the services
    when its own fields are valid."""

    record_model: type[Record]

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return
        try:
            services.record_check(
                self.record_model, self.instance.pk, form_data(self.record_model, self)
            )
        except services.InvalidRecord as error:
            place_errors(error.errors, self, {})


class ReviewedAdmin(RecordAdmin):
    """A resource whose records are claims under review."""

    readonly_fields = (*RecordAdmin.readonly_fields, *REVIEW_FIELDS)
    actions = ["export_json", "export_csv", mark_reviewed, mark_disputed, mark_draft]


class PartAdmin(SimpleHistoryAdmin):
    """A nested part on its own page: its history is shown; to go back, revert its record."""

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


@admin.register(Topic)
class TopicAdmin(PartAdmin):
    list_display = ("slug", "name")
    search_fields = ("slug", "name")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Official)
class OfficialAdmin(RecordAdmin):
    list_display = ("name", "slug", "country", "position_count", "version", "updated_at")
    list_filter = ("country", ("updated_at", admin.DateFieldListFilter))
    search_fields = ("name", "slug", "aliases", "positions__title", "positions__organization")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "created_at"
    inlines = (PositionInline,)
    # Explicit: the count annotation groups rows, and a grouped query ignores Meta.ordering.
    ordering = ("name", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Official]:
        return (
            super().get_queryset(request).annotate(position_total=Count("positions", distinct=True))
        )

    @admin.display(description="posts", ordering="position_total")
    def position_count(self, official: Any) -> int:
        return int(official.position_total)


@admin.register(Position)
class PositionAdmin(PartAdmin):
    """A post held, with the citations that support it."""

    form = partial_date_form(Position, "start", "end")
    list_display = (
        "official",
        "title",
        "organization",
        "country",
        "start",
        "end",
        "citation_count",
        "review_state",
    )
    list_select_related = ("official",)
    list_filter = (ReviewStateFilter, "country", year_filter("start_earliest", "start year"))
    search_fields = ("title", "organization", "official__name")
    autocomplete_fields = ("official",)
    readonly_fields = REVIEW_FIELDS
    date_hierarchy = "start_earliest"
    inlines = (CitationInline,)
    actions = [mark_reviewed, mark_disputed, mark_draft]
    ordering = ("official_id", "start_earliest", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Position]:
        return (
            super().get_queryset(request).annotate(citation_total=Count("citations", distinct=True))
        )

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_formset_kwargs(request, obj, inline, prefix)
        submission = obj.__dict__.setdefault("_admin_submission", PostSubmission(Official, None))
        kwargs["submission"] = submission
        return kwargs

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        form.instance.__dict__["_admin_submission"].form = form
        return super().save_form(request, form, change)

    @admin.display(description="citations", ordering="citation_total")
    def citation_count(self, position: Any) -> int:
        return int(position.citation_total)

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
        services.part_removed(obj, user=request.user)


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
    list_filter = ("kind", "language", year_filter("published_earliest", "year published"))
    search_fields = ("title", "author", "publisher", "notes")
    date_hierarchy = "published_earliest"


@admin.register(Contact)
class ContactAdmin(ReviewedAdmin):
    form = partial_date_form(Contact, "date", "end_date")
    list_display = (
        "title",
        "kind",
        "status",
        "date",
        "location",
        "country",
        "citation_count",
        "review_state",
    )
    list_filter = (
        ReviewStateFilter,
        "kind",
        "status",
        "country",
        year_filter("date_earliest", "year"),
        "topics",
    )
    search_fields = (
        "title",
        "summary",
        "occasion",
        "location",
        "participants__label",
        "participants__official__name",
    )
    filter_horizontal = ("topics",)
    date_hierarchy = "date_earliest"
    inlines = (ParticipantInline, CitationInline)
    ordering = ("date_earliest", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        return (
            super().get_queryset(request).annotate(citation_total=Count("citations", distinct=True))
        )

    @admin.display(description="citations", ordering="citation_total")
    def citation_count(self, contact: Any) -> int:
        return int(contact.citation_total)


@admin.register(Statement)
class StatementAdmin(ReviewedAdmin):
    form = partial_date_form(Statement, "said")
    list_display = (
        "short_text",
        "speaker_name",
        "said",
        "kind",
        "citation_count",
        "review_state",
    )
    list_select_related = ("speaker",)
    list_filter = (
        ReviewStateFilter,
        "kind",
        "speaker_country",
        "language",
        year_filter("said_earliest", "year said"),
        "topics",
    )
    search_fields = ("text", "speaker__name", "speaker_label", "citations__excerpt")
    autocomplete_fields = ("speaker", "contact", "origin")
    filter_horizontal = ("topics",)
    date_hierarchy = "said_earliest"
    inlines = (CitationInline,)
    ordering = ("said_earliest", "id")

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


class CitationForm(forms.ModelForm):
    """A citation on its own page: checked as a write of the record it supports, with this
    citation as submitted among its others."""

    class Meta:
        model = Citation
        fields = ("source", "excerpt", "locator", "position", "contact", "statement")

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return
        citation = self.instance
        mine = {name: getattr(citation, name) for name in CITATION_FIELDS}
        claim = citation.position or citation.contact or citation.statement
        if claim is None:
            return  # the database check on exactly one record has reported it
        others = claim.citations.exclude(pk=citation.pk) if claim.pk else Citation.objects.none()
        cited = [*_stored_citations_of(others), mine]
        if isinstance(claim, Position):
            posts = list(claim.official.positions.exclude(pk=claim.pk).order_by("id"))
            data = {
                "positions": [
                    *map(_stored_post, posts),
                    {**_post_fields(claim), "citations": cited},
                ]
            }
            model: type[Record] = Official
            pk = claim.official_id
        else:
            data = {"citations": cited}
            model, pk = type(claim), claim.pk
        try:
            services.record_check(model, pk, data)
        except services.InvalidRecord as error:
            found = error.errors
            if isinstance(claim, Position):
                posts_errors = found.get("positions") or [{}]
                found = posts_errors[-1] if isinstance(posts_errors, list) else {}
                found = found or error.errors
            mine_errors = found.get("citations")
            if isinstance(mine_errors, list) and mine_errors and isinstance(mine_errors[-1], dict):
                for name, texts in mine_errors[-1].items():
                    self.add_error(name if name in self.fields else None, _messages(texts))
            if not self.errors:  # the refusal concerns the claim, not this citation's fields
                self.add_error(None, _messages(found))


def _stored_citations_of(citations: QuerySet[Citation]) -> list[dict[str, Any]]:
    return [{name: getattr(c, name) for name in CITATION_FIELDS} for c in citations.order_by("id")]


def _post_fields(position: Position) -> dict[str, Any]:
    return {name: getattr(position, name) for name in POSITION_FIELDS}


@admin.register(Citation)
class CitationAdmin(PartAdmin):
    form = CitationForm
    list_display = ("source", "locator", "excerpt", "position", "contact", "statement")
    list_select_related = ("source", "position", "contact", "statement__speaker")
    search_fields = ("excerpt", "locator", "source__title")
    autocomplete_fields = ("source", "position", "contact", "statement")
    list_filter = ("source",)

    def save_model(self, request: HttpRequest, obj: Citation, form: Any, change: bool) -> None:
        previous_owner = _stored_owner(obj) if change else None
        previous_claim = _stored_claim(obj) if change else None
        services.part_save(obj)
        if form.has_changed():
            services.parts_changed(
                obj,
                previous_owner=previous_owner,
                previous_claim=previous_claim,
                user=request.user,
            )

    def delete_model(self, request: HttpRequest, obj: Citation) -> None:
        services.part_removed(obj, user=request.user)


admin.site.site_header = "Détente curation"
admin.site.site_title = "Détente curation"
admin.site.index_title = "Officials, contacts, statements and their sources"
