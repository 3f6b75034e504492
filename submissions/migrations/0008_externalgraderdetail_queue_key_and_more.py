import django_fsm
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("submissions", "0007_merge_20251020_2045")]

    operations = [
        migrations.AddField(
            model_name="externalgraderdetail",
            name="queue_key",
            field=models.CharField(max_length=128, null=True),
        ),
        migrations.AlterField(
            model_name="externalgraderdetail",
            name="status",
            field=django_fsm.FSMField(
                choices=[
                    ("pending", "Pending"),
                    ("pulled", "Pulled"),
                    ("retired", "Retired"),
                    ("failed", "Failed"),
                    ("retry", "Retry"),
                ],
                default="pending",
                max_length=20,
                protected=True,
            ),
        ),
    ]
