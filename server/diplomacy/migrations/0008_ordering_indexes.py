from django.db import migrations

from server.diplomacy.ordering_indexes import create_indexes, drop_indexes


class Migration(migrations.Migration):
    dependencies = [("diplomacy", "0007_full_text_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
