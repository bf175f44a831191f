"""Deleted records are listed in the admin from their history and restored from there."""

from __future__ import annotations

import pytest

from server.diplomacy import services
from server.diplomacy.models import Statement
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_deleted_statement_is_listed_and_restored_as_a_new_version(curator_client, admin_user):
    statement = factories.statement(text="Restorable words")
    pk = statement.pk
    services.record_delete(statement, user=admin_user)

    changelist = curator_client.get("/admin/diplomacy/statement/")
    assert b"/admin/diplomacy/statement/deleted/" in changelist.content
    page = curator_client.get("/admin/diplomacy/statement/deleted/")
    assert page.status_code == 200
    assert f"restore-{pk}".encode() in page.content

    response = curator_client.post(f"/admin/diplomacy/statement/deleted/{pk}/restore/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/diplomacy/statement/{pk}/change/"
    restored = Statement.objects.get(pk=pk)
    assert restored.text == "Restorable words"
    assert restored.version == 3
    assert restored.citations.count() == 1
    assert (
        f"restore-{pk}".encode()
        not in curator_client.get("/admin/diplomacy/statement/deleted/").content
    )


def test_restoring_a_live_record_is_refused_with_a_message(curator_client):
    statement = factories.statement()
    response = curator_client.post(
        f"/admin/diplomacy/statement/deleted/{statement.pk}/restore/", follow=True
    )
    assert response.status_code == 200
    assert b"only a deleted record is restored" in response.content
    assert Statement.objects.get(pk=statement.pk).version == 1


def test_restore_needs_a_post(curator_client):
    statement = factories.statement()
    assert (
        curator_client.get(
            f"/admin/diplomacy/statement/deleted/{statement.pk}/restore/"
        ).status_code
        == 405
    )


def test_deleting_a_post_held_in_the_admin_is_a_new_version_of_its_official(curator_client):
    official = factories.official(positions=2)
    position = official.positions.first()
    response = curator_client.post(
        f"/admin/diplomacy/position/{position.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    official.refresh_from_db()
    assert official.version == 2
    assert official.positions.count() == 1
