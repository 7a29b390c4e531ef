"""``python -m harbor``: the same as the ``harbor`` command."""

from harbor.cli import main

main()
