"""The partial index of late steps, PostgreSQL only: from `finished_at - due_at >= 1 minute` to
`finished_at > due_at`. A step is late from the minute after its due minute (`dossiers.domain.late_from`,
the dossier pages' rule): 10:00:30 is late at 10:01:00, only 30 s after. The dashboards' drill-down asks for
`finished_at > due_at` (which this predicate matches) and then the exact minute rule.
"""

from django.db import migrations

OLD = ("step_finished_late_idx", "(unit_id, finished_at) INCLUDE (due_at, name, holder_id, dossier_id) "
                                 "WHERE finished_at - due_at >= interval '1 minute'")
NEW = ("step_finished_after_due_idx", "(unit_id, finished_at) INCLUDE (due_at, name, holder_id, dossier_id) "
                                      "WHERE finished_at > due_at")


def _swap(drop: tuple[str, str], create: tuple[str, str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP INDEX IF EXISTS {drop[0]}")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {create[0]} ON dossiers_stepexecution {create[1]}")

    return run


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0005_late_step_indexes")]

    operations = [migrations.RunPython(_swap(OLD, NEW), _swap(NEW, OLD), elidable=False)]
