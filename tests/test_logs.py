"""Logging setup: records go to the stderr of the moment, never to a closed stream."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from harbor.logs import configure_logging


@pytest.fixture
def restore_root_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_root_logging")
def test_a_record_after_stderr_was_swapped_and_closed_reaches_the_current_stderr(capsys):
    captured_at_setup = io.StringIO()
    real_stderr, sys.stderr = sys.stderr, captured_at_setup
    try:
        configure_logging("info", "text")
    finally:
        sys.stderr = real_stderr
    captured_at_setup.close()

    logging.getLogger("harbor.test").warning("written after the swap")

    err = capsys.readouterr().err
    assert "written after the swap" in err
    assert "Logging error" not in err
