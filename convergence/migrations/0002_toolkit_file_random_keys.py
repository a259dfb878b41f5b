"""Toolkit files get a random key for their address instead of the version's number."""

import uuid

from django.db import migrations, models


def give_keys(apps, schema_editor):
    ToolkitVersion = apps.get_model("convergence", "ToolkitVersion")
    for version in ToolkitVersion.objects.only("pk").iterator():
        ToolkitVersion.objects.filter(pk=version.pk).update(key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("convergence", "0001_days_toolkit_events_notices"),
    ]

    operations = [
        migrations.AddField(
            model_name="toolkitversion",
            name="key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="toolkitversion",
            name="key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
