"""harbor-discord: the Harbor connector for Discord."""

from harbor_discord.connector import DiscordConnector

__all__ = ["DiscordConnector"]
