"""PlaceCover: the aligned or producing groups under each place, counted once here."""

from collections import Counter

from django.db import migrations, models

STRONG_STAGES = ("aligned", "producing")
SEGMENT_WIDTH = 9  # Place.segment: eight hex digits and a slash


def count_cover(apps, schema_editor):
    Group = apps.get_model("members", "Group")
    PlaceCover = apps.get_model("members", "PlaceCover")
    counts = Counter()
    paths = Group.objects.filter(stage__in=STRONG_STAGES).values_list("place__path", flat=True)
    for path in paths.order_by().iterator(chunk_size=2000):
        counts.update(
            int(path[start : start + SEGMENT_WIDTH - 1], 16)
            for start in range(0, len(path), SEGMENT_WIDTH)
        )
    PlaceCover.objects.bulk_create(
        (PlaceCover(place_id=pk, strong_groups=n) for pk, n in counts.items()), batch_size=2000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("coalition", "0009_place_search_name_area"),
        ("members", "0009_group_signed_by_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="PlaceCover",
            fields=[
                ("place_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("strong_groups", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(count_cover, migrations.RunPython.noop),
    ]
