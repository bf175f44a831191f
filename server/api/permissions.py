"""Who may do what: anyone reads, curators with the model's permissions write."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly


class ModelPermissionsOrAnonReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """DRF's, but finding the view's model without building its queryset: a list's queryset
    (its prefetches and review states) would otherwise be made twice a request."""

    def _queryset(self, view: Any) -> QuerySet[Any]:
        model = getattr(view, "model", None)
        if model is None:
            return super()._queryset(view)
        return model._default_manager.none()
