"""Built-in plugins, registered exactly like third-party ones (see DEFAULT_PLUGINS)."""
