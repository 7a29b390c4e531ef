"""The runtime: the functions every surface (API, UI, CLI, MCP) calls. Never imports FastAPI."""
