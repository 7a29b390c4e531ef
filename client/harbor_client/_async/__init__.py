"""The client's modules; ``_async`` is written by hand and ``_sync`` generated from it."""
