"""The cloud's tables. They live in their own metadata so the cloud and a node can share a
Python process (the end-to-end test) without their tables colliding."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

cloud_registry = registry()
metadata = cloud_registry.metadata


class CloudTable(SQLModel, registry=cloud_registry):
    """Base of every cloud table."""


class Account(CloudTable, table=True):
    """A member (or admin) of the cloud."""

    __tablename__ = "accounts"

    id: str = Field(primary_key=True, max_length=40)
    email: str = Field(max_length=320, unique=True, index=True)
    password_hash: str = Field(max_length=200)
    role: str = Field(default="member", max_length=20)
    plan: str = Field(default="community", max_length=40)
    created_at: datetime
    password_changed_at: datetime


class FeatureOverride(CloudTable, table=True):
    """An admin's grant (``granted``) or revocation of one feature for one account."""

    __tablename__ = "feature_overrides"

    account_id: str = Field(foreign_key="accounts.id", primary_key=True, max_length=40)
    feature: str = Field(primary_key=True, max_length=60)
    granted: bool
    changed_at: datetime
    changed_by: str | None = Field(default=None, max_length=40)


class WebSession(CloudTable, table=True):
    """A signed-in session (web cookie or API bearer token); only the token's hash is kept."""

    __tablename__ = "sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=40)
    created_at: datetime
    expires_at: datetime


class LoginAttempt(CloudTable, table=True):
    """A failed sign-in, counted by the login throttle."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "attempted_at"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    attempted_at: datetime


class ResetToken(CloudTable, table=True):
    """A one-time password reset token (hashed), valid until ``expires_at``."""

    __tablename__ = "reset_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=40)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class OutboxMessage(CloudTable, table=True):
    """A message the cloud would mail; no mail server is assumed, admins read the outbox."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=320, index=True)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


class EnrollmentCode(CloudTable, table=True):
    """A short-lived one-time enrollment code (hashed at rest)."""

    __tablename__ = "enrollment_codes"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=40)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    node_id: str | None = Field(default=None, max_length=40)


class Node(CloudTable, table=True):
    """A node enrolled by an account; ``unenrolled_at`` is set when it leaves."""

    __tablename__ = "nodes"

    id: str = Field(primary_key=True, max_length=40)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=40)
    name: str = Field(max_length=200)
    version: str = Field(max_length=60)
    public_key: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    enrolled_at: datetime
    last_seen_at: datetime
    license_expires_at: datetime | None = None
    unenrolled_at: datetime | None = None


class IssuedLicense(CloudTable, table=True):
    """A license token the cloud signed (its claims, never needed to re-verify it)."""

    __tablename__ = "licenses"

    jti: str = Field(primary_key=True, max_length=64)
    node_id: str = Field(foreign_key="nodes.id", index=True, max_length=40)
    account_id: str = Field(foreign_key="accounts.id", index=True, max_length=40)
    plan: str = Field(max_length=40)
    features: list[str] = Field(sa_column=Column(JSON, nullable=False))
    kid: str = Field(max_length=32)
    issued_at: datetime
    expires_at: datetime


class SeenNodeRequest(CloudTable, table=True):
    """The jti of a node-signed request, kept until it expires so a replay is refused."""

    __tablename__ = "node_request_jtis"

    jti: str = Field(primary_key=True, max_length=128)
    node_id: str = Field(max_length=40)
    expires_at: datetime = Field(index=True)


class AuditEvent(CloudTable, table=True):
    """One entry of the cloud's audit log: who did what, when, to what, with details."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor_id: str | None = Field(default=None, max_length=40, index=True)
    actor_role: str = Field(max_length=20)
    action: str = Field(max_length=60)
    subject: str | None = Field(default=None, max_length=320, index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
