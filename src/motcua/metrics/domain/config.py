"""THE configuration of the Decision 766/QĐ-TTg service index: groups, points per indicator, thresholds. Pure.

Group maxima are the published ones (transparency 18, progress 20, online service 12, online payment 10,
satisfaction 18, digitization 22: 100). The points of 1.4 (6) and 2.1 (20) are the published ones; the
split of the other groups between their indicators is a default that a province revises through the
`MOTCUA_SERVICE_INDEX` setting (or a JSON file named by `MOTCUA_SERVICE_INDEX_FILE`), e.g.

    {"indicators": {"3.1": {"points": 2, "threshold": 0.8}, "3.3": {"points": 6}}}

`configure` checks an override: known codes only, points ≥ 0, thresholds in (0, 1] or null, and the
points of a group adding up to at most its maximum. Nothing else in the code knows a point or a threshold.

Group 1 (transparency) has indicators that are not about dossiers (publication of procedures…): only 1.4
is computed from our data. Group 5 (satisfaction) reads the feedback and rating modules; until they
exist its indicators report "no data".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class Group(StrEnum):
    TRANSPARENCY = "transparency"
    PROGRESS = "progress"
    ONLINE_SERVICE = "online_service"
    ONLINE_PAYMENT = "online_payment"
    SATISFACTION = "satisfaction"
    DIGITIZATION = "digitization"


class Source(StrEnum):
    """Where an indicator's figures come from (and what its drill-down lists)."""

    DOSSIERS = "dossiers"  # counted over dossiers: the drill-down lists dossiers
    PROCEDURES = "procedures"  # counted over the unit's procedures: the drill-down lists procedures
    FEEDBACK = "feedback"  # feedback and ratings (not built yet: "no data")


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    code: str
    group: Group
    points: Decimal
    threshold: Decimal | None
    source: Source


@dataclass(frozen=True, slots=True)
class IndexConfig:
    group_max: Mapping[Group, Decimal]
    indicators: tuple[IndicatorSpec, ...]

    def indicator(self, code: str) -> IndicatorSpec:
        for spec in self.indicators:
            if spec.code == code:
                return spec
        raise KeyError(code)

    def of_group(self, group: Group) -> tuple[IndicatorSpec, ...]:
        return tuple(s for s in self.indicators if s.group is group)


GROUP_MAX: dict[Group, Decimal] = {
    Group.TRANSPARENCY: Decimal(18),
    Group.PROGRESS: Decimal(20),
    Group.ONLINE_SERVICE: Decimal(12),
    Group.ONLINE_PAYMENT: Decimal(10),
    Group.SATISFACTION: Decimal(18),
    Group.DIGITIZATION: Decimal(22),
}


def _spec(code: str, group: Group, points: int, threshold: str | None, source: Source = Source.DOSSIERS
          ) -> IndicatorSpec:
    return IndicatorSpec(code, group, Decimal(points), None if threshold is None else Decimal(threshold), source)


G, S = Group, Source
DEFAULT = IndexConfig(
    group_max=GROUP_MAX,
    indicators=(
        _spec("1.4", G.TRANSPARENCY, 6, None),
        _spec("2.1", G.PROGRESS, 20, None),
        _spec("3.1", G.ONLINE_SERVICE, 4, "0.80", S.PROCEDURES),
        _spec("3.2", G.ONLINE_SERVICE, 4, None, S.PROCEDURES),
        _spec("3.3", G.ONLINE_SERVICE, 4, "0.50"),
        _spec("3.5", G.ONLINE_PAYMENT, 5, "0.80", S.PROCEDURES),
        _spec("3.6", G.ONLINE_PAYMENT, 5, None),
        _spec("4.1", G.DIGITIZATION, 4, None),
        _spec("4.2", G.DIGITIZATION, 6, "0.80"),
        _spec("4.3", G.DIGITIZATION, 4, "0.80"),
        _spec("4.4", G.DIGITIZATION, 4, None),
        _spec("4.5", G.DIGITIZATION, 4, None),
        _spec("5.2", G.SATISFACTION, 6, None, S.FEEDBACK),
        _spec("5.3", G.SATISFACTION, 6, None, S.FEEDBACK),
        _spec("5.4", G.SATISFACTION, 6, "0.90", S.FEEDBACK),
    ),
)


class ConfigError(ValueError):
    pass


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: a number is expected, not {value!r}")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ConfigError(f"{where}: a number is expected, not {value!r}") from exc
    if not number.is_finite():
        raise ConfigError(f"{where}: a finite number is expected, not {value!r}")
    return number


def configure(overrides: Mapping[str, Any] | None, base: IndexConfig = DEFAULT) -> IndexConfig:
    """`base` with a province's overrides applied and checked (ConfigError says what is wrong)."""
    if not overrides:
        return base
    unknown_keys = set(overrides) - {"indicators"}
    if unknown_keys:
        raise ConfigError(f"unknown keys {sorted(unknown_keys)}: only 'indicators' can be configured")
    given = overrides.get("indicators") or {}
    if not isinstance(given, Mapping):
        raise ConfigError("'indicators' must map indicator codes to {'points': …, 'threshold': …}")
    codes = {s.code for s in base.indicators}
    unknown = sorted(set(given) - codes)
    if unknown:
        raise ConfigError(f"unknown indicator codes {unknown}; known: {sorted(codes)}")
    specs = []
    for spec in base.indicators:
        change = given.get(spec.code)
        if change is None:
            specs.append(spec)
            continue
        if not isinstance(change, Mapping) or set(change) - {"points", "threshold"}:
            raise ConfigError(f"indicator {spec.code}: give only 'points' and/or 'threshold'")
        points, threshold = spec.points, spec.threshold
        if "points" in change:
            points = _decimal(change["points"], f"indicator {spec.code} points")
            if points < 0:
                raise ConfigError(f"indicator {spec.code}: points cannot be negative")
        if "threshold" in change:
            threshold = None if change["threshold"] is None else _decimal(
                change["threshold"], f"indicator {spec.code} threshold")
            if threshold is not None and not Decimal(0) < threshold <= Decimal(1):
                raise ConfigError(f"indicator {spec.code}: a threshold is a ratio in (0, 1], e.g. 0.8")
        specs.append(replace(spec, points=points, threshold=threshold))
    config = IndexConfig(base.group_max, tuple(specs))
    for group, maximum in config.group_max.items():
        total = sum((s.points for s in config.of_group(group)), Decimal(0))
        if total > maximum:
            raise ConfigError(f"group {group.value}: its indicators have {total} points, more than its maximum "
                              f"{maximum}")
    return config
