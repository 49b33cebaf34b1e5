"""API tokens: issue, authenticate, and narrow a user's reach to the token's scope."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core import rawrows
from motcua.core.domain.permissions import Action
from motcua.core.models import ApiToken, RoleAssignment, Unit, User
from motcua.core.permissions import can, forget, remember_roles

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
    token = _read(prefix)
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
    remember_roles(token.user, token.roles)  # read with the token
    return token


def _read(prefix: str) -> ApiToken | None:
    """The token with `prefix`, its user, its units' paths and the user's roles, in one query.

    Every API request pays for this query, so it is written by hand: the ORM took longer to compile it than
    PostgreSQL took to run it; on PostgreSQL it is prepared once per connection.
    """
    row = rawrows.fetchone(_token_sql(), [prefix])
    if row is None:
        return None
    n = rawrows.width(ApiToken)
    token = rawrows.build(ApiToken, row[:n])
    user = rawrows.build(User, row[n:n + rawrows.width(User)])
    ApiToken.user.field.set_cached_value(token, user)
    token.unit_paths = row[-2] or ""
    token.roles = [tuple(held.split("\t", 1)) for held in (row[-1] or "").split(_SEPARATOR) if held]
    return token


_SQL: dict[str, str] = {}


def _token_sql() -> str:
    found = _SQL.get(connection.vendor)
    if found is None:
        q = connection.ops.quote_name
        through = ApiToken.units.through._meta
        sep, tab = ("char(10)", "char(9)") if connection.vendor == "sqlite" else ("chr(10)", "chr(9)")
        agg = "GROUP_CONCAT" if connection.vendor == "sqlite" else "STRING_AGG"
        unit = q(Unit._meta.db_table)
        found = _SQL[connection.vendor] = (
            f"SELECT {rawrows.columns(ApiToken, 't')}, {rawrows.columns(User, 'u')}, "  # noqa: S608 - model names
            f"(SELECT {agg}(tu_unit.{q('path')}, {sep}) FROM {q(through.db_table)} tu "
            f"JOIN {unit} tu_unit ON tu_unit.{q('id')} = tu.{q('unit_id')} WHERE tu.{q('apitoken_id')} = t.{q('id')}), "
            f"(SELECT {agg}(ra.{q('role')} || {tab} || ra_unit.{q('path')}, {sep}) "
            f"FROM {q(RoleAssignment._meta.db_table)} ra JOIN {unit} ra_unit ON ra_unit.{q('id')} = ra.{q('unit_id')} "
            f"WHERE ra.{q('user_id')} = t.{q('user_id')}) "
            f"FROM {q(ApiToken._meta.db_table)} t JOIN {q(User._meta.db_table)} u ON u.{q('id')} = t.{q('user_id')} "
            f"WHERE t.{q('prefix')} = %s"
        )
    return found


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


@transaction.atomic
def revoke_token(*, actor: User | None, token: ApiToken) -> None:
    if actor is not None and not (actor.is_superuser or actor.pk == token.user_id):
        raise PermissionDenied(_("You cannot revoke this token."))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
