"""Seed the national days off and make-up working days (2020–2035) into every database at `migrate`."""

from django.db import migrations


def seed(apps, schema_editor):
    from motcua.workcalendar.services import seed_rows

    seed_rows(apps.get_model("workcalendar", "Holiday"), 2020, 2035)


class Migration(migrations.Migration):
    dependencies = [("workcalendar", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
