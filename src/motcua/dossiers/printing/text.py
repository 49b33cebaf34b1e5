"""How the forms write dates, times, amounts, time limits and labels (Vietnamese administrative style)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from motcua.dossiers import domain as rules
from motcua.workcalendar.domain import Limit, LimitKind

if TYPE_CHECKING:
    from motcua.core.models import Unit

TIMELINESS_LABELS = {
    rules.Timeliness.EARLY: gettext_lazy("Early"),
    rules.Timeliness.ON_TIME: gettext_lazy("On time"),
    rules.Timeliness.LATE: gettext_lazy("Late"),
    rules.Timeliness.IN_TIME: gettext_lazy("In time"),
    rules.Timeliness.OVERDUE: gettext_lazy("Overdue"),
}

RETURN_CHANNEL_LABELS = {
    rules.ReturnChannel.DESK: gettext_lazy("At the one-stop desk"),
    rules.ReturnChannel.POST: gettext_lazy("By public postal service"),
    rules.ReturnChannel.ELECTRONIC: gettext_lazy("Electronically (online)"),
}

# The first event of a dossier is `submit_online` whether the applicant submitted online or the desk
# registered a counter or postal dossier before receiving it (`create_dossier(register_only=True)`): the
# event's channel says which.
SUBMISSION_LABELS = {
    rules.Channel.ONLINE: gettext_lazy("Submitted online"),
    rules.Channel.DIRECT: gettext_lazy("Registered at the one-stop desk"),
    rules.Channel.POSTAL: gettext_lazy("Registered on receipt by public postal service"),
}

# "UBND xã An Bình" → "An Bình": the place name of a people's committee, for the place-and-date line.
_COMMITTEE = re.compile(
    r"^\s*(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+"
    r"(?:tỉnh|thành phố|xã|phường|đặc khu|thị trấn|thị xã|huyện|quận)?\s*",
    re.IGNORECASE,
)


def timeliness_label(value: rules.Timeliness | str | None) -> str:
    return "" if value is None else str(TIMELINESS_LABELS[rules.Timeliness(value)])


def submission_channel(payload: Mapping[str, object] | None, dossier_channel: int) -> rules.Channel:
    """How a `submit_online` event came in: the channel it records, else the dossier's."""
    raw = (payload or {}).get("channel", dossier_channel)
    try:
        return rules.Channel(int(str(raw)))
    except ValueError:
        return rules.Channel.ONLINE


def submission_label(payload: Mapping[str, object] | None, dossier_channel: int) -> str:
    """'Submitted online', or 'Registered at the one-stop desk' for a counter dossier registered before receipt."""
    return str(SUBMISSION_LABELS[submission_channel(payload, dossier_channel)])


def local(moment: datetime | None) -> datetime | None:
    return None if moment is None else timezone.localtime(moment)


def _as_date(moment: datetime | date) -> date:
    """The local day of an instant (a date stays as it is)."""
    return timezone.localtime(moment).date() if isinstance(moment, datetime) else moment


def _day_month(d: date) -> tuple[str, str]:
    """Decree 30/2020: a zero before days 1–9 and before months 1 and 2 ("ngày 06 tháng 02", "tháng 4")."""
    return f"{d.day:02d}", (f"{d.month:02d}" if d.month < 3 else str(d.month))


def place_date(place: str, moment: datetime | date) -> str:
    """'An Bình, ngày 06 tháng 4 năm 2026'."""
    d = _as_date(moment)
    day, month = _day_month(d)
    return _("%(place)s, %(day)s/%(month)s/%(year)s") % {"place": place, "day": day, "month": month,
                                                         "year": d.year}


def long_date(moment: datetime | date) -> str:
    """'06 tháng 4 năm 2026' (a sentence puts "Ngày" before it)."""
    d = _as_date(moment)
    day, month = _day_month(d)
    return _("%(day)s of month %(month)s, %(year)s") % {"day": day, "month": month, "year": d.year}


def clock(moment: datetime | None) -> str:
    """'08 giờ 00 phút, ngày 06/04/2026' (local time); '' when there is no time."""
    m = local(moment)
    if m is None:
        return ""
    return _("%(hour)s:%(minute)s on %(date)s") % {"hour": f"{m.hour:02d}", "minute": f"{m.minute:02d}",
                                                  "date": m.strftime("%d/%m/%Y")}


def short(moment: datetime | None) -> str:
    """'06/04/2026 08:00' (local time), for table cells; '' when there is no time."""
    m = local(moment)
    return "" if m is None else m.strftime("%d/%m/%Y %H:%M")


def money(amount: int) -> str:
    """'1.250.000 đồng'."""
    return _("%(amount)s VND") % {"amount": f"{amount:,}".replace(",", ".")}


def limit_text(limit: Limit) -> str:
    n = limit.amount
    if limit.kind is LimitKind.WORKING_DAYS:
        return ngettext("%(n)s working day", "%(n)s working days", n) % {"n": n}
    if limit.kind is LimitKind.WORKING_HOURS:
        return ngettext("%(n)s working hour", "%(n)s working hours", n) % {"n": n}
    if limit.kind is LimitKind.CALENDAR_DAYS:
        return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
    return _("Within the working day (the next working day when received after 15:00)")


def place_of(unit: Unit, ancestors: dict[str, Unit]) -> str:
    """The place of the place-and-date line: the nearest people's committee (the unit or above it)."""
    codes = [c for c in unit.path.split("/") if c]
    for code in reversed(codes):
        candidate = unit if code == unit.code else ancestors.get(code)
        if candidate is None or candidate.kind not in ("commune", "province"):
            continue
        name = _COMMITTEE.sub("", candidate.name).strip()
        if name:
            return name
    return unit.name
