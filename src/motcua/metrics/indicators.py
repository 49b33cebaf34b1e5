"""Names and explanations of the indicators and groups (translated: English msgids, Vietnamese default)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.metrics.domain import Group

GROUP_NAMES: dict[Group, Promise] = {
    Group.TRANSPARENCY: _("Publicity and transparency"),
    Group.PROGRESS: _("Progress of handling"),
    Group.ONLINE_SERVICE: _("Online public services"),
    Group.ONLINE_PAYMENT: _("Online payment"),
    Group.SATISFACTION: _("Satisfaction"),
    Group.DIGITIZATION: _("Digitization of dossiers and results"),
}

INDICATOR_NAMES: dict[str, Promise] = {
    "1.4": _("Dossiers synchronised to the National Public Service Portal"),
    "2.1": _("Dossiers resolved early or on time, and in progress in time"),
    "3.1": _("Procedures offering an online public service (partial or full)"),
    "3.2": _("Online public services with at least one online dossier"),
    "3.3": _("Dossiers submitted online"),
    "3.5": _("Procedures with fees whose online payment is in use"),
    "3.6": _("Dossiers with fees paid online"),
    "4.1": _("Results issued electronically for procedures with a paper result"),
    "4.2": _("Digitized dossiers"),
    "4.3": _("Dossiers reusing digitized data"),
    "4.4": _("Dossiers using the citizen's data store"),
    "4.5": _("Dossiers using population data (e-ID verified)"),
    "5.2": _("Feedback handled on time"),
    "5.3": _("Satisfaction with feedback handling"),
    "5.4": _("Satisfaction with the handling of dossiers"),
}

# What the numerator and the denominator count (shown with the figures, and above the drill-down lists).
INDICATOR_PARTS: dict[str, tuple[Promise, Promise]] = {
    "1.4": (_("dossiers received in the period and synchronised"), _("dossiers received in the period")),
    "2.1": (_("dossiers resolved early or on time (withdrawn, stopped and returned for supplement in time "
              "included) plus dossiers in progress in time at the period end"),
            _("dossiers received in the period or carried over from before it")),
    "3.1": (_("procedures of the unit offering an online service"), _("procedures in the unit's competence")),
    "3.2": (_("online services with at least one dossier submitted online in the period"),
            _("online services in the unit's competence")),
    "3.3": (_("dossiers submitted online (with an electronic result when the procedure's result is paper)"),
            _("dossiers received in the period")),
    "3.5": (_("procedures with fees with at least one dossier paid online in the period"),
            _("procedures with fees in the unit's competence")),
    "3.6": (_("dossiers with fees paid online"), _("dossiers received in the period with fees to pay")),
    "4.1": (_("dossiers resolved with an electronic result"),
            _("dossiers of procedures with a paper result resolved in the period")),
    "4.2": (_("digitized dossiers (all components digitized, electronic result once resolved)"),
            _("dossiers received in the period")),
    "4.3": (_("dossiers reusing digitized data"), _("dossiers received in the period")),
    "4.4": (_("dossiers with a component from the citizen's data store"), _("dossiers received in the period")),
    "4.5": (_("dossiers of applicants verified with the national e-ID"), _("dossiers received in the period")),
    "5.2": (_("feedback handled on time"), _("feedback received")),
    "5.3": (_("feedback handled to the citizen's satisfaction"), _("feedback handled")),
    "5.4": (_("one hundred percent minus the late rate and the rate of dossiers with a complaint or a negative "
              "rating"), _("dossiers")),
}

NO_DATA = _("no data")
NO_DATA_COUNT = _("Nothing to count for this unit in this period.")
NO_DATA_FEEDBACK = _("The feedback and rating modules are not available yet.")

II06A_HEADERS: dict[str, Promise] = {
    "received_total": _("Total received"),
    "received_online": _("New online"),
    "received_direct_postal": _("New at the counter or by post"),
    "carried_over": _("Carried over from the previous period"),
    "resolved_total": _("Total resolved"),
    "resolved_early": _("Early"),
    "resolved_on_time": _("On time"),
    "resolved_late": _("Late"),
    "in_progress_total": _("Total in progress"),
    "in_progress_in_time": _("In time"),
    "in_progress_overdue": _("Overdue"),
}
