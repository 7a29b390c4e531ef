"""Reproducible benchmarks with a local upstream: ``python -m benchmarks.run``."""
