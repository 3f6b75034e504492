import django.db.models.deletion
from django.db import migrations, models

import submissions.models


class Migration(migrations.Migration):
    dependencies = [("submissions", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="ScoreAnnotation",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("annotation_type", models.CharField(db_index=True, max_length=255)),
                ("creator", submissions.models.AnonymizedUserIDField()),
                ("reason", models.TextField()),
                ("score", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="submissions.score")),
            ],
        ),
        migrations.AlterField(
            model_name="studentitem",
            name="student_id",
            field=submissions.models.AnonymizedUserIDField(),
        ),
    ]
