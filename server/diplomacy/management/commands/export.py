"""Write the whole dataset to a file (or stdout) in the export format of ``dataset``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandParser

from server.diplomacy import dataset


class Command(BaseCommand):
    help = (
        "Write every record (drafts included) as NDJSON to PATH, or to stdout with -; "
        "--public writes what anonymous readers see, as GET /api/v1/export/ does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The file to write, or - for standard output.")
        parser.add_argument(
            "--public",
            action="store_true",
            help="Reviewed claims only, as anonymous readers see them.",
        )

    def handle(self, *args: Any, path: str, public: bool, **options: Any) -> None:
        lines = dataset.export_lines(public=public)
        if path == "-":
            self._write_to_stdout(lines)
            return
        target = Path(path)
        # A file cut short by a failure would pass for a backup: write aside, then rename.
        partial = target.with_name(target.name + ".partial")
        try:
            with partial.open("wb") as out:
                out.writelines(lines)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def _write_to_stdout(self, lines: Any) -> None:
        # Bytes, so that the file is UTF-8 whatever the terminal's locale.
        binary: BinaryIO | None = getattr(self.stdout, "buffer", None)
        if binary is None:
            for line in lines:
                self.stdout.write(line.decode("utf-8"), ending="")
            return
        self.stdout.flush()
        binary.writelines(lines)
        binary.flush()
