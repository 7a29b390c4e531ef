"""``request`` definitions: what the schema and validate_definition accept and refuse."""

from __future__ import annotations

import pytest
from harbor_http_api import HttpApiConnector
from jsonschema import Draft202012Validator

from harbor.connector import InvalidDefinition

SCHEMA = HttpApiConnector.action_kinds["request"].definition_schema


def schema_errors(definition: dict) -> list[str]:
    return [e.message for e in Draft202012Validator(SCHEMA).iter_errors(definition)]


@pytest.mark.parametrize(
    "definition",
    [
        {"method": "GET", "path": "/repos/{owner}/{repo}/issues", "query": {"state": "{state}"}},
        {"method": "POST", "path": "/items", "body": {"title": "{title}", "tags": ["{tag}"]}},
        {"method": "PUT", "path": "/items/{id}", "body": "{body}", "accept_status": [200, "2xx"]},
        {"method": "DELETE", "path": "/items/{id}", "accept_status": [204, 404]},
        {"method": "PATCH", "path": "/a/{{literal}}", "headers": {"X-Mode": "fast {mode}"}},
        {"method": "GET", "path": "/", "response": {"pick": {"all": "", "x": "/a~1b/0"}}},
    ],
)
def test_good_definitions_pass_both_checks(definition):
    assert schema_errors(definition) == []
    HttpApiConnector().validate_definition("request", definition)


@pytest.mark.parametrize(
    "definition",
    [
        {"path": "/x"},
        {"method": "TRACE", "path": "/x"},
        {"method": "GET", "path": "x"},
        {"method": "GET", "path": "/x", "accept_status": [99]},
        {"method": "GET", "path": "/x", "accept_status": ["6xx"]},
        {"method": "GET", "path": "/x", "headers": {"Bad Header": "1"}},
        {"method": "GET", "path": "/x", "response": {"max_bytes": 0}},
        {"method": "GET", "path": "/x", "extra": True},
    ],
)
def test_the_schema_refuses_malformed_definitions(definition):
    assert schema_errors(definition) != []


@pytest.mark.parametrize(
    ("definition", "words"),
    [
        ({"method": "GET", "path": "/items/{id"}, "unbalanced"),
        ({"method": "GET", "path": "/items/{1d}"}, "unbalanced"),
        ({"method": "GET", "path": "/items/id}"}, "unbalanced"),
        ({"method": "GET", "path": "/items/{}"}, "unbalanced"),
        ({"method": "GET", "path": "/../admin"}, "'..'"),
        ({"method": "GET", "path": "/a/%2e%2e/b"}, "'..'"),
        ({"method": "GET", "path": "/a/./b"}, "'..'"),
        ({"method": "GET", "path": "//evil.test/x"}, "one '/'"),
        ({"method": "GET", "path": "/x?a=1"}, "query"),
        ({"method": "GET", "path": "/x y"}, "spaces"),
        ({"method": "GET", "path": "/x", "query": {"q": "{q"}}, "query/q"),
        ({"method": "GET", "path": "/x", "headers": {"Host": "evil.test"}}, "Host"),
        ({"method": "GET", "path": "/x", "body": {"a": 1}}, "no body"),
        ({"method": "POST", "path": "/x", "body": {"a": ["{b}}"]}}, "body/a/0"),
        ({"method": "GET", "path": "/x", "response": {"pick": {"a": "no-slash"}}}, "pointer"),
        ({"method": "GET", "path": "/x", "response": {"pick": {"a": "/a~2"}}}, "pointer"),
    ],
)
def test_validate_definition_explains_what_is_wrong(definition, words):
    assert schema_errors(definition) == []
    with pytest.raises(InvalidDefinition) as caught:
        HttpApiConnector().validate_definition("request", definition)
    assert words in caught.value.message


def test_an_unknown_kind_is_refused():
    with pytest.raises(InvalidDefinition):
        HttpApiConnector().validate_definition("graphql", {"method": "GET", "path": "/"})
