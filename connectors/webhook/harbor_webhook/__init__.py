"""harbor-webhook: the Harbor connector for webhooks."""

from harbor_webhook.connector import WebhookConnector

__all__ = ["WebhookConnector"]
