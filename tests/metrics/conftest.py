"""A small province with the demo catalogue, officers holding every desk role, and dossier helpers."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from motcua.catalog import selectors as catalog
from motcua.catalog.demo import seed_demo_catalogue
from motcua.core.domain.permissions import Role
from motcua.core.models import Unit, User
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.services import (
    ActionParams,
    ApplicantData,
    ComponentData,
    allowed_actions_for,
    create_dossier,
    perform,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROCEDURE = "1.000689"  # a commune procedure of 3 working days with 5 steps


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN)


@dataclass
class Desk:
    units: dict[str, Unit]
    officers: dict[str, User]  # unit key → an officer with every desk role there
    monitor: User

    def receive(self, unit: str, at: str | datetime, *, online: bool = False, files: bool = False,
                components: list[ComponentData] | None = None, **kw: Any) -> Dossier:
        when = local(at) if isinstance(at, str) else at
        if components is None:
            components = [ComponentData(name="Tờ khai", files=[io.BytesIO(b"%PDF-1.7\n%%EOF\n")])] if files else []
        return create_dossier(
            actor=self.officers[unit], procedure=catalog.procedure_by_code(PROCEDURE), receiving_unit=self.units[unit],
            channel=Channel.ONLINE if online else Channel.DIRECT, applicant=ApplicantData(name="Nguyễn Văn An"),
            components=components, now=when, **kw)

    def act(self, d: Dossier, action: str, at: str | datetime, **params: Any) -> Dossier:
        when = local(at) if isinstance(at, str) else at
        unit = next(k for k, u in self.units.items() if u.pk == d.receiving_unit_id)
        return perform(actor=self.officers[unit], code=d.code, action=action, params=ActionParams(**params),
                       now=when)

    def resolve(self, d: Dossier, at: str | datetime, *, electronic: bool = False) -> Dossier:
        """Hand over, approve and record the result, all at `at`."""
        when = local(at) if isinstance(at, str) else at
        unit = next(k for k, u in self.units.items() if u.pk == d.receiving_unit_id)
        officer = self.officers[unit]
        for _ in range(20):
            d = Dossier.objects.get(pk=d.pk)
            allowed = allowed_actions_for(officer, d, now=when)
            if "record_result" in allowed:
                return self.act(d, "record_result", when, electronic=electronic)
            self.act(d, "approve" if "approve" in allowed else "hand_over", when)
        raise AssertionError("could not resolve the dossier")


@pytest.fixture
def desk(province_tree: dict[str, Unit], make_officer: Callable[..., User]) -> Desk:
    t = province_tree
    seed_demo_catalogue(province=t["province"], centre=t["centre"], departments=[t["dept"]],
                        communes=[t["a"], t["b"]])
    roles = (Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.LEADER, Role.CLERK)
    officers = {key: make_officer(f"all_{key}", t[key], *roles) for key in ("a", "b")}
    return Desk(t, officers, make_officer("monitor", t["province"], Role.MONITOR))
