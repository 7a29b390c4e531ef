"""harbor-github: the Harbor connector for GitHub."""

from harbor_github.connector import GitHubConnector

__all__ = ["GitHubConnector"]
