# Generated from harbor_client/_async by client/scripts/unasync_client.py: do not edit.
"""The client's modules; ``_async`` is written by hand and ``_sync`` generated from it."""
