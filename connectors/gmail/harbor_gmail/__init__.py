"""harbor-gmail: the Gmail connector for Harbor."""

from harbor_gmail.connector import GmailConnector

__all__ = ["GmailConnector"]
