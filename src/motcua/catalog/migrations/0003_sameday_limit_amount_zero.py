"""Same-day limits store amount 0, as the working calendar's `Limit(LimitKind.SAME_DAY)` has.

The catalogue used to store 1 for `sameday`. The old amount constraints are dropped, existing rows are
converted (legal and internal limits, 1 → 0; backwards 0 → 1), then the new constraints are added:
`sameday` has amount 0, every other kind at least 1. The legal amount loses its `MinValueValidator(1)`.

The new internal-limit check also refuses a kind with a NULL amount (NULL made the old check "unknown",
which passes). Such a row never had an internal limit (`Procedure.internal_limit` was None), so going
forward its stray kind is cleared; going back leaves it cleared.
"""

from django.db import migrations, models
from django.db.models import Case, F, Q, Value, When

SAME_DAY = "sameday"


def sameday_amount_to_zero(apps, schema_editor):
    _set_sameday_amount(apps, schema_editor, 0, clear_stray_kinds=True)


def sameday_amount_to_one(apps, schema_editor):
    _set_sameday_amount(apps, schema_editor, 1, clear_stray_kinds=False)


def _set_sameday_amount(apps, schema_editor, amount, *, clear_stray_kinds):
    """Set the amount of every same-day limit (legal and internal) in ONE update statement.

    One statement, because PostgreSQL refuses the ALTER TABLE of the constraints that follow while a
    row updated twice in this transaction has deferred foreign-key trigger events pending; and the
    check "internal ≤ legal for the same kind" then sees each row only when both amounts are set.
    """
    Procedure = apps.get_model("catalog", "Procedure")
    legal_same_day = Q(legal_limit_kind=SAME_DAY)
    internal_same_day = Q(internal_limit_kind=SAME_DAY, internal_limit_amount__isnull=False)
    stray = ~Q(internal_limit_kind="") & Q(internal_limit_amount__isnull=True)
    rows = legal_same_day | internal_same_day
    amount_field = models.PositiveIntegerField()
    changes = {
        "legal_limit_amount": Case(When(legal_same_day, then=Value(amount)), default=F("legal_limit_amount"),
                                   output_field=amount_field),
        "internal_limit_amount": Case(When(internal_same_day, then=Value(amount)),
                                      default=F("internal_limit_amount"), output_field=amount_field),
    }
    if clear_stray_kinds:
        rows |= stray
        changes["internal_limit_kind"] = Case(When(stray, then=Value("")), default=F("internal_limit_kind"),
                                              output_field=models.CharField())
    # update() leaves `updated_at` (auto_now) alone: the limits themselves do not change.
    Procedure.objects.using(schema_editor.connection.alias).filter(rows).update(**changes)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_search_trigram_index'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='procedure',
            name='procedure_legal_amount_positive',
        ),
        migrations.RemoveConstraint(
            model_name='procedure',
            name='procedure_sameday_amount_one',
        ),
        migrations.RemoveConstraint(
            model_name='procedure',
            name='procedure_internal_limit_complete',
        ),
        migrations.AlterField(
            model_name='procedure',
            name='legal_limit_amount',
            field=models.PositiveIntegerField(help_text='Not used for the same working day (stored as 0).', verbose_name='legal time limit: amount'),
        ),
        migrations.RunPython(sameday_amount_to_zero, sameday_amount_to_one, elidable=False),
        migrations.AddConstraint(
            model_name='procedure',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('legal_limit_kind', 'sameday'), ('legal_limit_amount', 0)), models.Q(models.Q(('legal_limit_kind', 'sameday'), _negated=True), ('legal_limit_amount__gte', 1)), _connector='OR'), name='procedure_legal_amount'),
        ),
        migrations.AddConstraint(
            model_name='procedure',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('internal_limit_kind', ''), ('internal_limit_amount__isnull', True)), models.Q(('internal_limit_kind', 'sameday'), ('internal_limit_amount__isnull', False), ('internal_limit_amount', 0)), models.Q(('internal_limit_kind__in', ['wd', 'wh', 'd']), ('internal_limit_amount__isnull', False), ('internal_limit_amount__gte', 1)), _connector='OR'), name='procedure_internal_limit_complete'),
        ),
    ]
