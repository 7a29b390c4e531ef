"""Dock: the catalog of signed integration manifests, its static site, and manifest signing."""
