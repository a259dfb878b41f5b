"""Group.has_tie: whether a meeting or a co-hosted action ties the group to another."""

from django.db import migrations, models
from django.db.models import Exists, F, OuterRef, Q


def fill_has_tie(apps, schema_editor):
    # The two kinds of tie registered today (members.ties, actions' cohost_ties),
    # written against the historical models.
    Group = apps.get_model("members", "Group")
    RelationalMeeting = apps.get_model("members", "RelationalMeeting")
    Amplification = apps.get_model("actions", "Amplification")
    across = RelationalMeeting.objects.filter(
        group_a__isnull=False, group_b__isnull=False
    ).exclude(group_a=F("group_b"))
    cohosts = Amplification.objects.filter(kind="cohost").exclude(group=F("action__host_group"))
    tied = (
        Q(Exists(across.filter(group_a=OuterRef("pk"))))
        | Q(Exists(across.filter(group_b=OuterRef("pk"))))
        | Q(Exists(cohosts.filter(group=OuterRef("pk"))))
        | Q(Exists(cohosts.filter(action__host_group=OuterRef("pk"))))
    )
    Group.objects.filter(tied).update(has_tie=True)


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0006_tactic_spread_support_index"),
        ("members", "0010_place_cover"),
    ]

    operations = [
        migrations.AddField(
            model_name="group",
            name="has_tie",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddIndex(
            model_name="group",
            index=models.Index(
                condition=models.Q(("has_tie", False), ("stage__in", ["aligned", "producing"])),
                fields=["name", "id"],
                name="group_untied_by_name",
            ),
        ),
        migrations.RunPython(fill_has_tie, migrations.RunPython.noop),
    ]
