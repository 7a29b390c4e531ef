"""Starter actions an operator adds to a ``discord`` port in one step."""

from __future__ import annotations

from harbor.connector import ActionTemplate
from harbor_discord.actions import SEND_MESSAGE
from harbor_discord.limits import MAX_CONTENT, MAX_EMBEDS

POST_MESSAGE = ActionTemplate(
    name="post_message",
    kind=SEND_MESSAGE,
    description="Post a message to this Discord channel. Send plain text in 'content' "
    f"(at most {MAX_CONTENT} characters) and/or up to {MAX_EMBEDS} rich embeds. Mentions "
    "such as @everyone are shown but notify nobody. Each call posts a new message.",
    risk="write",
    input_schema={
        "type": "object",
        "properties": {
            "content": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_CONTENT,
                "description": "The message text (Discord markdown)",
            },
            "embeds": {
                "type": "array",
                "maxItems": MAX_EMBEDS,
                "description": "Rich embeds: objects with title, description, url, color, "
                "fields [{name, value, inline}], footer {text}, author {name}",
                "items": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string", "maxLength": 256},
                        "description": {"type": "string", "maxLength": 4096},
                        "url": {"type": "string"},
                        "color": {"type": "integer", "minimum": 0, "maximum": 16777215},
                        "fields": {
                            "type": "array",
                            "maxItems": 25,
                            "items": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string", "maxLength": 256},
                                    "value": {"type": "string", "maxLength": 1024},
                                    "inline": {"type": "boolean"},
                                },
                                "required": ["name", "value"],
                            },
                        },
                        "footer": {
                            "type": "object",
                            "properties": {"text": {"type": "string", "maxLength": 2048}},
                        },
                        "author": {
                            "type": "object",
                            "properties": {"name": {"type": "string", "maxLength": 256}},
                        },
                    },
                },
            },
        },
        "anyOf": [{"required": ["content"]}, {"required": ["embeds"]}],
        "additionalProperties": False,
    },
    definition={},
)

TEMPLATES = [POST_MESSAGE]
