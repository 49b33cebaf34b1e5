"""`motcua generate --dossiers N --seed S [--units CODE …] [--until YYYY-MM-DD]`: realistic generated dossiers.

Needs the demo province and catalogue (loaded first when missing). Deterministic for a seed and an
`--until` date (default: today). See `motcua.dossiers.generate`.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.catalog.models import Procedure
from motcua.core.demo import UNITS, load_demo_province
from motcua.core.models import Unit
from motcua.dossiers.generate import generate


class Command(BaseCommand):
    help = "Generate N realistic dossiers (channels, timeliness, supplements, statuses…) on the current database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dossiers", type=int, required=True, help="how many dossiers to create")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed → same data)")
        parser.add_argument("--units", nargs="+", default=None, metavar="CODE",
                            help="receiving unit codes (default: the demo communes and service centre)")
        parser.add_argument("--until", type=date.fromisoformat, default=None,
                            help="every event happens before this day (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        n: int = options["dossiers"]
        if n < 1:
            raise CommandError("--dossiers must be at least 1", returncode=2)
        demo_codes = [u[0] for u in UNITS]
        if Unit.objects.filter(code__in=demo_codes).count() < len(demo_codes) or not Procedure.objects.exists():
            self.stderr.write("Loading the demo province and catalogue first…")
            load_demo_province()

        def progress(done: int, total: int) -> None:
            self.stderr.write(f"generated {done:,}/{total:,} dossiers")
            sys.stderr.flush()

        try:
            result = generate(n, options["seed"], unit_codes=options["units"], until=options["until"],
                              progress=progress)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        mix = ", ".join(f"{status}: {count}" for status, count in sorted(result.statuses.items()))
        self.stdout.write(self.style.SUCCESS(
            f"Generated {result.dossiers:,} dossiers, {result.steps:,} steps, {result.events:,} events, "
            f"{result.components:,} components in {result.seconds:.1f} s (statuses {mix})."))
