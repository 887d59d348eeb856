"""Every chair belongs to a location (0012 attached the existing ones)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("clinic", "0012_locations_from_clinic_settings")]

    operations = [
        migrations.AlterField(
            model_name="chair",
            name="location",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="chairs",
                to="clinic.location",
            ),
        ),
    ]
