"""`motcua token issue USERNAME --name N [--unit CODE …] [--action A …] [--days D]`; `motcua token revoke PREFIX`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.core.models import ApiToken, Unit, User
from motcua.core.tokens import issue_token, revoke_token


class Command(BaseCommand):
    help = "Issue or revoke REST API tokens for other systems."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        issue = sub.add_parser("issue", help="issue a token; prints it once")
        issue.add_argument("username")
        issue.add_argument("--name", required=True)
        issue.add_argument("--unit", action="append", default=[], help="unit code (repeatable)")
        issue.add_argument("--action", action="append", default=[], help="action name (repeatable)")
        issue.add_argument("--days", type=int, default=None, help="valid for this many days")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "revoke":
            token = ApiToken.objects.filter(prefix=options["prefix"]).first()
            if token is None:
                raise CommandError(f"no token with prefix {options['prefix']}", returncode=2)
            revoke_token(actor=None, token=token)
            self.stdout.write(f"revoked {token}")
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"unknown user {options['username']}", returncode=2)
        units = list(Unit.objects.filter(code__in=options["unit"]))
        missing = set(options["unit"]) - {u.code for u in units}
        if missing:
            raise CommandError(f"unknown unit code(s): {', '.join(sorted(missing))}", returncode=2)
        try:
            _token, raw = issue_token(
                actor=None, user=user, name=options["name"], units=units, actions=options["action"],
                valid_for=timedelta(days=options["days"]) if options["days"] else None,
            )
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(raw)
