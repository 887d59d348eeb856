"""Opening hours and closures belong to a location (controlled-substances.md §1): the
foreign keys arrive nullable here, the rows are given their locations in 0017, and
0018 makes a row of hours need one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("clinic", "0015_user_current_location")]

    operations = [
        migrations.AlterField(
            model_name="openinghours",
            name="weekday",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (0, "Monday"),
                    (1, "Tuesday"),
                    (2, "Wednesday"),
                    (3, "Thursday"),
                    (4, "Friday"),
                    (5, "Saturday"),
                    (6, "Sunday"),
                ]
            ),
        ),
        migrations.AddField(
            model_name="openinghours",
            name="location",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="opening_hours",
                to="clinic.location",
            ),
        ),
        migrations.AlterField(
            model_name="closure",
            name="date",
            field=models.DateField(),
        ),
        migrations.AddField(
            model_name="closure",
            name="location",
            field=models.ForeignKey(
                blank=True,
                help_text="Leave empty to close every location that day (e.g. a public holiday).",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="closures",
                to="clinic.location",
            ),
        ),
    ]
