"""API tokens: issue, authenticate, and narrow a user's reach to the token's scope."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Aggregate, CharField, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.domain.permissions import Action
from motcua.core.models import ApiToken, Unit, User
from motcua.core.permissions import can, forget

TOKEN_PREFIX = "mc_"  # noqa: S105 - a public marker, not a secret


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def issue_token(
    *, actor: User | None, user: User, name: str, units: Iterable[Unit] = (), actions: Iterable[str] = (),
    valid_for: timedelta | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns it and the raw value `mc_<prefix>_<secret>` (shown once)."""
    units = list(units)
    if actor is not None:
        for unit in units or []:
            if not can(actor, Action.STAFF_MANAGE, unit):
                raise PermissionDenied(_("You cannot issue tokens for this unit."))
    known = {a.value for a in Action}
    wanted = sorted(set(actions))
    unknown = [a for a in wanted if a not in known and not a.startswith("dossier:")]
    if unknown:
        raise ValueError(f"unknown actions: {', '.join(unknown)}")
    prefix = secrets.token_hex(5)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name, user=user, prefix=prefix, secret_hash=_hash(secret), actions=wanted,
        expires_at=timezone.now() + valid_for if valid_for else None,
    )
    token.units.set(units)
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


def authenticate(raw: str) -> ApiToken | None:
    """The live token for `raw`, with its user scoped to it; None when unknown, revoked or expired."""
    if not raw.startswith(TOKEN_PREFIX) or raw.count("_") < 2:
        return None
    prefix, _sep, secret = raw[len(TOKEN_PREFIX):].partition("_")
    # The token, its user and its units' paths in one query (every API request pays for it).
    unit_paths = (ApiToken.units.through.objects.filter(apitoken_id=OuterRef("pk")).values("apitoken_id")
                  .annotate(paths=_JoinedPaths("unit__path")).values("paths")[:1])
    token = (ApiToken.objects.select_related("user").filter(prefix=prefix)
             .annotate(unit_paths=Subquery(unit_paths, output_field=CharField())).first())
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    apply_scope(token.user, token)
    return token


def apply_scope(user: Any, token: ApiToken) -> None:
    """Narrow `user`'s reach (as seen by motcua.core.permissions) to the token's units and actions."""
    forget(user)
    joined = getattr(token, "unit_paths", _UNREAD)
    if joined is _UNREAD:
        paths = list(token.units.values_list("path", flat=True))
    else:
        paths = joined.split(_SEPARATOR) if joined else []
    user.__dict__["_motcua_token_scope"] = (sorted(paths), frozenset(token.actions))


_UNREAD: Any = object()
_SEPARATOR = "\n"  # never in a unit path (codes and "/")


class _JoinedPaths(Aggregate):
    """The group's values joined by `_SEPARATOR` (STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, chr(10))"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="GROUP_CONCAT",
                           template="%(function)s(%(expressions)s, char(10))", **extra)


@transaction.atomic
def revoke_token(*, actor: User | None, token: ApiToken) -> None:
    if actor is not None and not (actor.is_superuser or actor.pk == token.user_id):
        raise PermissionDenied(_("You cannot revoke this token."))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
