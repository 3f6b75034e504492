"""The admin says "score event deliveries" (Django's default plural was "score event deliverys")."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0011_queue_name_binary_collation_on_mysql"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="scoreeventdelivery",
            options={
                "ordering": ["id"],
                "verbose_name": "score event delivery",
                "verbose_name_plural": "score event deliveries",
            },
        ),
    ]
