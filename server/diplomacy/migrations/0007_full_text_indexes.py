from django.db import migrations

from server.diplomacy.search.schema import create_indexes, drop_indexes


class Migration(migrations.Migration):
    dependencies = [("diplomacy", "0006_search_document")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
