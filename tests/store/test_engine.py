"""Database URLs: clear errors for bad or unreachable databases, nothing half-written."""

from __future__ import annotations

import pytest
from sqlmodel import select

from harbor.errors import ConfigError, Conflict, Unavailable
from harbor.runtime import identity
from harbor.store import Store, redacted_url
from harbor.store.models import Operator


def test_postgres_url_without_driver_uses_psycopg():
    store = Store("postgresql://u@127.0.0.1/db")
    assert store.engine.dialect.driver == "psycopg"


def test_unparseable_url_is_a_config_error():
    with pytest.raises(ConfigError, match="not a valid SQLAlchemy URL"):
        Store("not a url")


def test_unreachable_database_names_the_fix_and_hides_the_password():
    store = Store("postgresql+psycopg://harbor:hunter2@127.0.0.1:1/harbor?connect_timeout=2")
    with pytest.raises(Unavailable) as caught:
        store.check_connection()
    message = str(caught.value)
    assert "HARBOR_DATABASE_URL" in message
    assert "hunter2" not in message
    assert "***" in message


def test_redacted_url_hides_passwords():
    assert "s3cret" not in redacted_url("postgresql://a:s3cret@h/db")


def test_a_failed_transaction_leaves_nothing(harbor_node):
    def create_twice() -> None:
        with harbor_node.store.session() as session:
            identity.create_operator(session, "a long enough password")
            identity.create_operator(session, "another long password")

    with pytest.raises(Conflict):
        create_twice()
    with harbor_node.store.session() as session:
        assert session.exec(select(Operator)).all() == []
