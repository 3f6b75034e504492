import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("submissions", "0003_submission_status")]

    operations = [
        migrations.AlterField(
            model_name="submission",
            name="uuid",
            field=models.UUIDField(db_index=True, default=uuid.uuid4),
        ),
    ]
