"""Every write operation of the schema, sent bodies at the edges of JSON: nesting past any
parser's stack, numbers past every type (1e400, 2**64, -0), large arrays, long strings. Each
answer is a success or a 4xx problem, never a 5xx, and a refused body changes nothing.

The schema fuzzer (``.ci/fuzz.sh``) generates bodies the schema describes; these are the ones
it does not reach, in each field of each body and as whole bodies.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.security.conftest import SCHEMA, concrete, token_for
from tests.server.writing import BODIES, PROBLEM, counts

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000
# Raw JSON put in place of a field's value.
FIELD_EDGES = {
    "nested past the limit": "[" * 33 + "]" * 33,
    "nested past the stack": DEEP,
    "1e400": "1e400",
    "2**64": str(2**64),
    "-2**63-1": str(-(2**63) - 1),
    "-0": "-0",
    "5e-324": "5e-324",
    "a long string": json.dumps("x" * 300_000),
    "a large array": "[" + ",".join(["1"] * 5_000) + "]",
    "an object": '{"a": {"b": {"c": [1, 2, {"d": null}]}}}',
    "true": "true",
}
# Raw JSON sent as the whole body.
BODY_EDGES = {
    "nested past the stack": DEEP,
    "objects nested past the stack": '{"a":' * 5000 + "1" + "}" * 5000,
    "1e400": "1e400",
    "2**64": str(2**64),
    "a large array": "[" + ",".join(["{}"] * 20_000) + "]",
    "a long string": json.dumps("z" * 500_000),
    "NaN": '{"kind": NaN}',
    "empty": "",
}
RESOURCE_OF = {
    "officials": "officials",
    "sources": "sources",
    "contacts": "contacts",
    "statements": "statements",
}


def write_operations() -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, item in SCHEMA["paths"].items()
        for method in ("post", "put", "patch")
        if method in item
    ]


def _properties(method: str, path: str) -> list[str]:
    content = SCHEMA["paths"][path][method].get("requestBody", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref")
    if ref is None:
        return []
    name = ref.rsplit("/", 1)[-1]
    return sorted(SCHEMA["components"]["schemas"][name].get("properties", {}))


def _base_body(path: str) -> dict[str, Any]:
    resource = path.removeprefix("/api/v1/").split("/", 1)[0]
    return BODIES[resource]() if resource in RESOURCE_OF else {}


def _send(client: Any, method: str, url: str, raw: str) -> Any:
    before = counts()
    response = getattr(client, method)(url, raw, content_type="application/json")
    status = response.status_code
    assert status < 500, (method, url, raw[:80], response.content[:300])
    if status >= 400:
        assert response["Content-Type"] == PROBLEM, (url, response.content[:200])
        assert response.json()["status"] == status
        assert counts() == before, (method, url, raw[:80])
    return response


@pytest.mark.parametrize(("method", "path"), write_operations())
def test_edge_values_in_every_field_are_a_4xx_or_a_success(client, method, path):
    client.defaults["HTTP_AUTHORIZATION"] = "Token " + token_for("edge-curator", "--curator")
    url = concrete(path)
    base = _base_body(path)
    answers = []
    for name in _properties(method, path):
        for edge in FIELD_EDGES.values():
            raw = json.dumps({**base, name: "__EDGE__"}).replace('"__EDGE__"', edge)
            answers.append(_send(client, method, url, raw).status_code)
    for edge in BODY_EDGES.values():
        answers.append(_send(client, method, url, edge).status_code)
    assert answers
    assert any(400 <= status < 500 for status in answers)


def test_every_write_operation_is_covered():
    covered = {path for _method, path in write_operations()}
    for resource in RESOURCE_OF:
        assert f"/api/v1/{resource}/" in covered
        assert f"/api/v1/{resource}/{{id}}/" in covered
