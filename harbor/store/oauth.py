"""Tables of OAuth connections: what a port was granted, and connects in progress.

The tokens themselves are port secrets (``port_secret`` rows named ``oauth:access_token``
and ``oauth:refresh_token``), encrypted with the node's key like every other secret, so key
rotation, backups and deleting a port treat them exactly alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, LargeBinary
from sqlmodel import Field, SQLModel

from harbor.store.types import UTCDateTime, utcnow


def _port_fk(*, unique: bool = False) -> Any:
    return Field(
        sa_column=Column(
            Integer,
            ForeignKey("port.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
            unique=unique,
        )
    )


def _ts() -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class OAuthConnection(SQLModel, table=True):
    """A port's live OAuth grant: scopes, expiry and refresh bookkeeping (no token values).

    ``refresh_lease_until`` is the row guard that keeps one refresh in flight per port
    across workers: a worker takes it with a conditional update before refreshing.
    """

    __tablename__ = "oauth_connection"

    id: int | None = Field(default=None, primary_key=True)
    port_id: int = _port_fk(unique=True)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    expires_at: datetime | None = _ts()
    has_refresh_token: bool = False
    connected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    refreshed_at: datetime | None = _ts()
    refresh_lease_until: datetime | None = _ts()


class OAuthState(SQLModel, table=True):
    """A connect in progress: the one-time ``state``, its PKCE verifier and exact redirect."""

    __tablename__ = "oauth_state"

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(max_length=128, unique=True, index=True)
    port_id: int = _port_fk()
    verifier_ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    redirect_uri: str = Field(max_length=300)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
