"""JSON written by orjson: the same document as DRF's renderer, in a fraction of the time."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer


def _default(value: Any) -> Any:
    # What orjson does not know natively: lazy translations (error messages) and decimals.
    if isinstance(value, Promise | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class FastJSONRenderer(JSONRenderer):
    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            # Indentation asked in Accept (`application/json; indent=2`): DRF's own writer.
            return super().render(data, accepted_media_type, renderer_context)
        # Errors of list items are keyed by their index (``{"aliases": {0: [...]}}``).
        return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)
