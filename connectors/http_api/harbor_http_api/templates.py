"""Starter actions an operator adds to an ``http_api`` port in one step, then adapts."""

from __future__ import annotations

from harbor.connector import ActionTemplate

GET_JSON = ActionTemplate(
    name="get_json",
    kind="request",
    description="Fetch one item of this API by its id and return its JSON document. "
    "Use it to read an item you already know the id of; it changes nothing.",
    risk="read",
    input_schema={
        "type": "object",
        "properties": {
            "id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "The item's id, exactly as the API spells it",
            }
        },
        "required": ["id"],
        "additionalProperties": False,
    },
    definition={"method": "GET", "path": "/items/{id}"},
)

POST_JSON = ActionTemplate(
    name="post_json",
    kind="request",
    description="Create an item in this API by sending a JSON object; returns the API's "
    "answer (usually the created item). Each call creates a new item.",
    risk="write",
    input_schema={
        "type": "object",
        "properties": {
            "body": {
                "type": "object",
                "description": "The JSON object to send as the request body",
            }
        },
        "required": ["body"],
        "additionalProperties": False,
    },
    definition={"method": "POST", "path": "/items", "body": "{body}"},
)

TEMPLATES = [GET_JSON, POST_JSON]
