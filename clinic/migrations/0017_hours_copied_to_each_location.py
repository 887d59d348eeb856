"""The clinic-wide opening hours become every location's hours (one copy per location,
so each can then be changed on its own); the closures stay clinic-wide (their location
stays empty: every location is closed that day). Hours kept by a clinic without any
location (set up but never given a chair or patient) go to a first location made from
the clinic settings, as 0012 would have made it, rather than being lost."""

from django.db import migrations


def forwards(apps, schema_editor):
    OpeningHours = apps.get_model("clinic", "OpeningHours")
    Location = apps.get_model("clinic", "Location")
    ClinicSettings = apps.get_model("clinic", "ClinicSettings")
    clinic_wide = list(OpeningHours.objects.filter(location__isnull=True))
    if not clinic_wide:
        return
    locations = list(Location.objects.order_by("pk"))
    if not locations:
        clinic = ClinicSettings.objects.filter(pk=1).first()
        values = {}
        if clinic is not None:
            values = {"name": clinic.name, "time_zone": clinic.time_zone}
        locations = [Location.objects.create(**{"name": "Ketamine Clinic", **values})]
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(
                location_id=location.pk,
                weekday=row.weekday,
                opens_at=row.opens_at,
                closes_at=row.closes_at,
            )
            for location in locations
            for row in clinic_wide
        ]
    )
    OpeningHours.objects.filter(pk__in=[row.pk for row in clinic_wide]).delete()


def backwards(apps, schema_editor):
    """Back to one clinic-wide set: the first location's hours (the others' are dropped);
    a location's own closures are dropped unless no clinic-wide closure has that date."""
    OpeningHours = apps.get_model("clinic", "OpeningHours")
    Closure = apps.get_model("clinic", "Closure")
    first = OpeningHours.objects.order_by("location_id").values_list("location_id", flat=True)
    first_id = first.first()
    OpeningHours.objects.exclude(location_id=first_id).delete()
    OpeningHours.objects.update(location=None)
    taken = set(Closure.objects.filter(location__isnull=True).values_list("date", flat=True))
    for closure in Closure.objects.filter(location__isnull=False).order_by("pk"):
        if closure.date in taken:
            closure.delete()
        else:
            taken.add(closure.date)
            closure.location = None
            closure.save(update_fields=["location"])


class Migration(migrations.Migration):
    dependencies = [("clinic", "0016_hours_and_closures_per_location")]

    operations = [migrations.RunPython(forwards, backwards)]
