"""An official's search document holds the posts anyone may read only: rewrite the documents
written before, which held every post, drafts included."""

from django.db import migrations

from server.diplomacy.search.documents import official_document


def index_public_posts(apps, schema_editor):
    Official = apps.get_model("diplomacy", "Official")
    Position = apps.get_model("diplomacy", "Position")
    public = Position.objects.filter(review_state="reviewed").order_by("start_earliest", "id")
    changed = []
    for official in Official.objects.order_by("pk").iterator(chunk_size=2000):
        posts = public.filter(official_id=official.pk).values_list("title", "organization")
        document = official_document(official.name, official.aliases or [], posts)
        if document != official.search_document:
            official.search_document = document
            changed.append(official)
    Official.objects.bulk_update(changed, ["search_document"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("diplomacy", "0009_statement_facet_indexes")]

    operations = [migrations.RunPython(index_public_posts, migrations.RunPython.noop)]
