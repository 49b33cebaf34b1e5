"""Partial indexes for the late-step attribution of the dashboards (`motcua.metrics.dashboards`), PostgreSQL only.

* the steps that finished at least a minute after their due time, by unit and finish time, carrying what the
  attribution groups by (step name, holder, dossier): the predicate `finished_at - due_at >= 1 minute` is
  immutable (a plain difference of instants), and the dashboards' query writes its test the same way;
* the steps still running, by unit and due time.

SQLite keeps the plain `step_unit_idx` (the embedded database holds a demo, not a province).
"""

from django.db import migrations

INDEXES = {
    "step_finished_late_idx": "(unit_id, finished_at) INCLUDE (due_at, name, holder_id, dossier_id) "
                              "WHERE finished_at - due_at >= interval '1 minute'",
    "step_running_due_idx": "(unit_id, due_at) INCLUDE (name, holder_id, dossier_id) "
                            "WHERE finished_at IS NULL AND started_at IS NOT NULL",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON dossiers_stepexecution {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0004_lateness_alerts")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
