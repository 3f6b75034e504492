import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import submissions.models


class Migration(migrations.Migration):
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Score",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("points_earned", models.PositiveIntegerField(default=0)),
                ("points_possible", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False)),
                ("reset", models.BooleanField(default=False)),
            ],
        ),
        migrations.CreateModel(
            name="ScoreSummary",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "highest",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="submissions.score"
                    ),
                ),
                (
                    "latest",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="submissions.score"
                    ),
                ),
            ],
            options={"verbose_name_plural": "Score Summaries"},
        ),
        migrations.CreateModel(
            name="StudentItem",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("student_id", models.CharField(db_index=True, max_length=255)),
                ("course_id", models.CharField(db_index=True, max_length=255)),
                ("item_id", models.CharField(db_index=True, max_length=255)),
                ("item_type", models.CharField(max_length=100)),
            ],
        ),
        migrations.CreateModel(
            name="Submission",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(blank=True, db_index=True, editable=False)),
                ("attempt_number", models.PositiveIntegerField()),
                ("submitted_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False)),
                ("answer", submissions.models.JSONTextField(blank=True, db_column="raw_answer")),
                (
                    "student_item",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="submissions.studentitem"),
                ),
            ],
            options={"ordering": ["-submitted_at", "-id"]},
        ),
        migrations.AlterUniqueTogether(
            name="studentitem",
            unique_together={("course_id", "student_id", "item_id")},
        ),
        migrations.AddField(
            model_name="scoresummary",
            name="student_item",
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, to="submissions.studentitem"),
        ),
        migrations.AddField(
            model_name="score",
            name="student_item",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="submissions.studentitem"),
        ),
        migrations.AddField(
            model_name="score",
            name="submission",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, to="submissions.submission"
            ),
        ),
    ]
