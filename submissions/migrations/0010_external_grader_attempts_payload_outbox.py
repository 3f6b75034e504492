"""
Additions of this library to the edx-submissions 4.x schema. New columns are NULL-able so that a
database can still be driven by 4.x code.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("submissions", "0009_mariadb_uuid_recheck")]

    operations = [
        migrations.AddField(
            model_name="externalgraderdetail",
            name="num_attempts",
            field=models.PositiveIntegerField(blank=True, default=0, null=True),
        ),
        migrations.AddField(
            model_name="externalgraderdetail",
            name="grader_payload",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="externalgraderdetail",
            name="student_info",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="externalgraderdetail",
            name="only_if_higher",
            field=models.BooleanField(blank=True, default=False, null=True),
        ),
        migrations.CreateModel(
            name="ScoreEventDelivery",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("score", "Score"), ("failure", "Failure notice")], default="score", max_length=10
                    ),
                ),
                ("payload", models.TextField(help_text="JSON of the event's fields")),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("delivered_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                ("last_error", models.TextField(blank=True, default="")),
                (
                    "external_grader",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="score_events",
                        to="submissions.externalgraderdetail",
                    ),
                ),
            ],
            options={"ordering": ["id"]},
        ),
    ]
