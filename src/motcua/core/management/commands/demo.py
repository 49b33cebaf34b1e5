"""`motcua demo`: load the demo province (units, counters, officers for every role, catalogue, holidays)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.core.demo import DEMO_PASSWORD, USERS, load_demo_province


class Command(BaseCommand):
    help = "Create the demo province with its officers and catalogue (idempotent); prints the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Allow loading demo accounts with DEBUG off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Refusing to create demo accounts with DEBUG off (use --force on a test server).")
        result = load_demo_province()
        out = self.stdout
        out.write(self.style.SUCCESS(
            f"Demo province ready: {result.units} units, {result.users} accounts, "
            f"{result.procedures} procedures, {result.holidays} calendar days."
        ))
        out.write("")
        out.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        out.write(f"  {'admin':<22} system administrator (superuser)")
        for username, full_name, unit_code, roles in USERS:
            out.write(f"  {username:<22} {', '.join(r.value for r in roles):<18} {unit_code}  {full_name}")
        out.write("")
        out.write("Back-office: http://127.0.0.1:8000/backoffice/   Admin: http://127.0.0.1:8000/admin/")
