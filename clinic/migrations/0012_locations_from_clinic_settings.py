"""Today's single clinic becomes one location (controlled-substances.md §1): its name,
address, phone, time zone, nurse capacity and REMS certification are copied from the
clinic settings row; every chair, every active member of staff and every patient is
attached to it. A database with neither a settings row, chairs nor patients (a fresh
install) gets no location: the admin creates the first one."""

from django.db import migrations


def forwards(apps, schema_editor):
    ClinicSettings = apps.get_model("clinic", "ClinicSettings")
    Location = apps.get_model("clinic", "Location")
    Chair = apps.get_model("clinic", "Chair")
    Patient = apps.get_model("clinic", "Patient")
    User = apps.get_model("clinic", "User")
    clinic = ClinicSettings.objects.filter(pk=1).first()
    if clinic is None and not Chair.objects.exists() and not Patient.objects.exists():
        return
    if Location.objects.exists():
        return
    values = {}
    if clinic is not None:
        values = {
            "name": clinic.name,
            "address": clinic.address,
            "phone": clinic.phone,
            "time_zone": clinic.time_zone,
            "nurse_capacity": clinic.nurse_capacity,
            "rems_certification_id": clinic.rems_certification_id,
            "rems_certified_on": clinic.rems_certified_on,
        }
    location = Location.objects.create(**{"name": "Ketamine Clinic", **values})
    Chair.objects.filter(location__isnull=True).update(location=location)
    Patient.objects.filter(home_location__isnull=True).update(home_location=location)
    Through = User.locations.through
    Through.objects.bulk_create(
        [
            Through(user_id=pk, location_id=location.pk)
            for pk in User.objects.filter(account_type="staff").values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("clinic", "0011_locations")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
