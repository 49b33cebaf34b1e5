"""Worklists: three columns the services set at each transition from the pure rules — `at_risk_from`
(from when the dossier is at risk of lateness), `overdue_from` (from when it is overdue) and
`awaiting_approval` — with a backfill of the dossiers in processing (statuses 4–6), and the indexes the
worklist queries use: per-unit ranges on those columns, the open dossiers of a unit in each sort order
(partial indexes; covering on PostgreSQL), and, on PostgreSQL, trigram indexes for the search by part of
a code or a name.
"""

from django.db import migrations, models, transaction

BATCH = 2000
IN_PROCESSING = (4, 5, 6)
OPEN = (1, 2, 4, 5, 6, 9)


def backfill(apps, schema_editor):
    from motcua.dossiers.domain import at_risk_from, overdue_from, state_from_json
    from motcua.workcalendar.selectors import calendar_for_unit

    Dossier = apps.get_model("dossiers", "Dossier")
    Unit = apps.get_model("core", "Unit")
    calendars = {}
    last = 0
    while True:
        batch = list(Dossier.objects.filter(status__in=IN_PROCESSING, pk__gt=last).order_by("pk")
                     .only("pk", "state", "receiving_unit_id")[:BATCH])
        if not batch:
            return
        for dossier in batch:
            unit_id = dossier.receiving_unit_id
            if unit_id not in calendars:
                calendars[unit_id] = calendar_for_unit(Unit.objects.get(pk=unit_id))  # reads office_hours only
            try:
                state = state_from_json(dossier.state)
            except (KeyError, TypeError, ValueError):  # an unreadable snapshot: left for its next change
                continue
            dossier.at_risk_from = at_risk_from(state, calendars[unit_id])
            dossier.overdue_from = overdue_from(state)
            dossier.awaiting_approval = state.awaiting_approval
        Dossier.objects.bulk_update(batch, ["at_risk_from", "overdue_from", "awaiting_approval"])
        last = batch[-1].pk


TRIGRAM_INDEXES = {
    # Django's icontains / contains on PostgreSQL compare UPPER(col::text) / col::text with LIKE '%…%'.
    "dossier_applicant_name_trgm": "UPPER((applicant_name)::text) gin_trgm_ops",
    "dossier_code_trgm": "((code)::text) gin_trgm_ops",
}


# On PostgreSQL the worklist indexes also carry the columns the tab conditions test and the sort columns,
# so that counting a part, reading a small part whole and walking a big one in sort order are index-only
# scans (no heap read per dossier counted or skipped). SQLite has no INCLUDE: it keeps the plain indexes of
# the AddIndex operations (same names, same key columns and conditions).
_OPEN = f"status IN {OPEN}"
COVERING_INDEXES = {  # name: (key columns, included columns, condition)
    "dossier_open_received_idx": ("current_unit_id, received_at, id",
                                  "status, due_at, forced_late, at_risk_from, awaiting_approval", _OPEN),
    "dossier_open_code_idx": ("current_unit_id, code",
                              "id, status, due_at, forced_late, at_risk_from, awaiting_approval", _OPEN),
    "dossier_processing_due_idx": ("current_unit_id, due_at, id", "forced_late, at_risk_from, received_at, code",
                                   "status = 4"),
    "dossier_approval_idx": ("current_unit_id, due_at, id", "status, received_at, code", "awaiting_approval"),
    "dossier_forced_late_idx": ("current_unit_id, due_at, id", "received_at", "forced_late AND status IN (4, 5, 6)"),
    "dossier_paused_due_idx": ("current_unit_id, due_at, id",
                               "status, forced_late, at_risk_from, overdue_from, received_at, code",
                               "status IN (5, 6)"),
}


def make_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (keys, included, condition) in COVERING_INDEXES.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(
            f"CREATE INDEX {name} ON dossiers_dossier ({keys}) INCLUDE ({included}) WHERE {condition}")


def plain_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (keys, _included, condition) in COVERING_INDEXES.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON dossiers_dossier ({keys}) WHERE {condition}")


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for name, expression in TRIGRAM_INDEXES.items():
                schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON dossiers_dossier USING gin ({expression})")
    except Exception:  # a missing privilege must not block the migration (the search still works)
        return


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("dossiers", "0002_notification"),
        ("core", "0002_api_token"),
        ("workcalendar", "0002_seed_national_holidays"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="at_risk_from",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="dossier",
            name="overdue_from",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="dossier",
            name="awaiting_approval",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["current_unit", "status", "overdue_from"], name="dossier_worklist_overdue_idx"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["current_unit", "status", "at_risk_from", "overdue_from"],
                               name="dossier_worklist_risk_idx"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(condition=models.Q(("status__in", OPEN)), fields=["current_unit", "due_at", "id"],
                               name="dossier_open_due_idx"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(condition=models.Q(("status__in", OPEN)), fields=["current_unit", "received_at", "id"],
                               name="dossier_open_received_idx"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(condition=models.Q(("status__in", OPEN)), fields=["current_unit", "code"],
                               name="dossier_open_code_idx"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(condition=models.Q(("awaiting_approval", True)), fields=["current_unit", "due_at", "id"],
                               name="dossier_approval_idx"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(condition=models.Q(("status", 4)), fields=["current_unit", "due_at", "id"],
                               name="dossier_processing_due_idx"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(condition=models.Q(("status__in", (5, 6))), fields=["current_unit", "due_at", "id"],
                               name="dossier_paused_due_idx"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(condition=models.Q(("forced_late", True), ("status__in", IN_PROCESSING)),
                               fields=["current_unit", "due_at", "id"], name="dossier_forced_late_idx"),
        ),
        migrations.RunPython(make_covering_indexes, plain_indexes, elidable=False),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
