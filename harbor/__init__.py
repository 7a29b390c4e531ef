"""Harbor: the local-first gateway between AI agents and the services they act on."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("harbor")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
