"""The MCP server: published actions as tools, over streamable HTTP (``/mcp``) and stdio."""
