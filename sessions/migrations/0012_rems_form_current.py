from django.db import migrations


def seed(apps, schema_editor):
    # The shipped layout of this version never changes (a new REMS form is a new code).
    from sessions.rems_forms import SHIPPED

    RemsFormVersion = apps.get_model("treatment_sessions", "RemsFormVersion")
    for code, values in SHIPPED.items():
        RemsFormVersion.objects.get_or_create(code=code, defaults=values)


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0011_rems_form_versions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
