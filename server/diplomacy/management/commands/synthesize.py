"""Add a deterministic synthetic dataset, sized for scale tests and benchmarks."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from server.diplomacy.synthetic import DEFAULT_BATCH_SIZE, Counts, synthesize


class Command(BaseCommand):
    help = (
        "Add synthetic officials, sources, contacts and statements (reviewed, cited, each with "
        "its first revision) to the database DATABASE_URL names. The same counts and seed over "
        "the same database give the same rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        for name in ("statements", "officials", "contacts", "sources"):
            parser.add_argument(f"--{name}", type=int, default=0, help=f"How many {name} to add.")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the random choices.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="Records generated and written per transaction.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = Counts(
            officials=options["officials"],
            sources=options["sources"],
            contacts=options["contacts"],
            statements=options["statements"],
        )
        verbosity = options["verbosity"]
        started = time.monotonic()

        def progress(phase: str, done: int, total: int) -> None:
            if verbosity >= 2 or (verbosity == 1 and done == total):
                elapsed = time.monotonic() - started
                self.stdout.write(f"{phase}: {done}/{total} ({elapsed:.1f} s)")

        try:
            written = synthesize(
                counts, seed=options["seed"], batch_size=options["batch_size"], progress=progress
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        elapsed = time.monotonic() - started
        rows = ", ".join(f"{n} {name}" for name, n in written.items()) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Added {rows} in {elapsed:.1f} s."))
