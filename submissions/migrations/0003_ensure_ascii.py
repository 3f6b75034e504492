from django.db import migrations


class Migration(migrations.Migration):
    """
    edx-submissions switched its answer field to ``ensure_ascii=True`` here. Our ``JSONTextField``
    always dumps with ``ensure_ascii=True``, so there is nothing to change; the migration keeps the
    name so that databases at this state are recognised.
    """

    dependencies = [("submissions", "0002_team_submission_optional")]

    operations = []
