"""Each revision of a resource stores the snapshot of the record as that change left it, and
records its change in the feed (``changes``)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from . import changes
from .revisions import SPECS, snapshot


@receiver(pre_create_historical_record)
def attach_snapshot(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    if type(instance) not in SPECS:
        return
    # A record written by the services is saved once before its nested parts exist and once after;
    # the revision comes from the second save, which is its creation when the services say so.
    history_type = instance.__dict__.pop("_revision_type", None)
    if history_type:
        history_instance.history_type = history_type
    stored = instance.__dict__.pop("_revision_snapshot", None)
    history_instance.snapshot = stored if stored is not None else snapshot(instance)


@receiver(post_create_historical_record)
def record_change(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    changes.record_revision(type(instance), history_instance)
