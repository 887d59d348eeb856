from django.db import migrations


class Migration(migrations.Migration):
    """Discharge assessment key `steady_gait` (engine-api.md v2 `STEADY_GAIT`)."""

    dependencies = [("treatment_sessions", "0008_part_history")]

    operations = [
        migrations.RenameField("treatmentsession", "steady_walking", "steady_gait"),
        migrations.RenameField("historicaltreatmentsession", "steady_walking", "steady_gait"),
    ]
