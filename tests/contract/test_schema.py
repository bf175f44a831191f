"""The OpenAPI document is the contract: committed, valid, and identical to what is served."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "fixtures" / "openapi-v1.json"

pytestmark = pytest.mark.django_db


def test_served_schema_matches_the_committed_contract(api):
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    served = json.loads(response.content)
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert served == committed, "The API changed: run `make schema` and review the diff."


def test_schema_generation_is_valid_without_warnings(tmp_path):
    output = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(output),
    )
    assert json.loads(output.read_text())["info"]["title"] == "Détente API"


def test_schema_documents_every_list_filter():
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    operation = schema["paths"]["/api/v1/statements/"]["get"]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"speaker", "said_after", "said_before", "q", "ordering", "limit"} <= parameters


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_render_from_assets_served_here(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets, "the page loads its scripts"
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        asset_response = client.get(asset)
        assert asset_response.status_code == 200, asset
        body = b"".join(asset_response.streaming_content)
        assert len(body) > 1000, asset
