"""Write the next numbered release of the public dataset, with its delta and manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from server.diplomacy import releases


class Command(BaseCommand):
    help = (
        "Write release n+1 of the public dataset (dataset.ndjson, delta.ndjson against release "
        "n, manifest.json) into the releases directory (DETENTE_RELEASES_DIR)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", help="The releases directory (default DETENTE_RELEASES_DIR).")

    def handle(self, *args: Any, dir: str | None, **options: Any) -> None:
        try:
            written = releases.release(Path(dir) if dir else None)
        except releases.ReleaseError as error:
            raise CommandError(str(error)) from error
        delta = written["delta"]
        self.stdout.write(
            f"Release {written['number']} (feed seq {written['seq']}): "
            f"{delta['added']} added, {delta['modified']} modified, {delta['deleted']} deleted."
        )
