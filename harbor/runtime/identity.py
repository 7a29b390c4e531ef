"""Who is calling: the operator, operator tokens, agents and their keys.

Tokens and keys are random 256-bit values shown once; only their SHA-256 is stored (a slow
hash adds nothing for values with that much entropy and would cost every request). The
operator password is hashed with argon2.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from harbor.contracts import (
    SCOPE_PATTERN,
    AgentCreate,
    AgentCreated,
    AgentKeyCreated,
    AgentKeyPublic,
    AgentPublic,
    AgentUpdate,
    TokenCreated,
    TokenPublic,
)
from harbor.errors import Conflict, InvalidRequest, NotFound, Unauthorized
from harbor.runtime.audit import record_change
from harbor.store.models import Agent, AgentKey, Operator, OperatorToken
from harbor.store.types import utcnow

OPERATOR_TOKEN_PREFIX = "hbo_"
AGENT_KEY_PREFIX = "hba_"
PREFIX_LENGTH = 12
OPERATOR_NAME = "owner"
#: last_used_at is refreshed at most this often, so reads do not become writes.
LAST_USED_RESOLUTION = timedelta(seconds=60)

_hasher = PasswordHasher()
_scope_re = re.compile(SCOPE_PATTERN)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    role: Literal["operator", "agent"]
    name: str
    id: int
    scopes: tuple[str, ...] = ()
    operator_role: str | None = None
    """For an operator: ``owner``, ``approver`` or ``viewer`` (see harbor.runtime.operators)."""
    credential_id: int | None = None
    """The operator token's or agent key's row id."""
    use_not_recorded: bool = False
    """Authenticated in a read-only session while ``last_used_at`` was stale."""

    @property
    def is_operator(self) -> bool:
        """Whether this caller may configure and approve."""
        return self.role == "operator"


def hash_secret(value: str) -> str:
    """The stored form of a token or key."""
    return hashlib.sha256(value.encode()).hexdigest()


def _new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def _expiry(days: int | None) -> datetime | None:
    return utcnow() + timedelta(days=days) if days else None


# --- operator and password ------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_operator(session: Session) -> Operator | None:
    """The node's owner (the first operator), if one has been set up."""
    return session.exec(
        select(Operator).where(Operator.role == "owner").order_by(col(Operator.id))
    ).first()


def find_operator(session: Session, name: str | None) -> Operator | None:
    """The operator called ``name``; the owner when ``name`` is None."""
    if name is None:
        return get_operator(session)
    return session.exec(select(Operator).where(Operator.name == name)).first()


def create_operator(session: Session, password: str) -> Operator:
    """Create the operator account; refused when one exists already."""
    if len(password) < 12:
        raise InvalidRequest("the operator password must be at least 12 characters long")
    if get_operator(session) is not None:
        raise Conflict("the operator is already set up; sign in or change the password")
    operator = Operator(name=OPERATOR_NAME, password_hash=hash_password(password))
    session.add(operator)
    session.flush()
    record_change(session, "operator.created", f"operator:{operator.name}")
    return operator


def check_operator_password(session: Session, password: str, name: str | None = None) -> Operator:
    """The operator (the owner unless ``name`` is given) if ``password`` is right."""
    operator = find_operator(session, name)
    if operator is None or not verify_password(operator.password_hash, password):
        raise Unauthorized("wrong name or password" if name else "wrong password")
    if operator.disabled_at is not None:
        raise Unauthorized(f"the operator account '{operator.name}' is disabled")
    return operator


def change_operator_password(
    session: Session, current: str, new: str, name: str | None = None
) -> None:
    """Replace an operator's password (the owner's by default) after checking the current one."""
    try:
        operator = check_operator_password(session, current, name)
    except Unauthorized:
        raise Unauthorized("wrong password") from None
    if len(new) < 12:
        raise InvalidRequest("the new password must be at least 12 characters long")
    operator.password_hash = hash_password(new)
    operator.password_changed_at = utcnow()
    session.add(operator)
    record_change(session, "operator.password_changed", f"operator:{operator.name}")


def record_login(session: Session, ok: bool, name: str | None = None) -> None:
    """Audit a sign-in attempt (a failed one in its own transaction, by the caller)."""
    outcome = "ok" if ok else "denied"
    record_change(session, "operator.login", f"operator:{name or OPERATOR_NAME}", outcome=outcome)


# --- operator tokens ------------------------------------------------------------------------


def token_public(token: OperatorToken) -> TokenPublic:
    """The listable view of a token."""
    assert token.id is not None
    return TokenPublic(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )


def create_operator_token(
    session: Session,
    name: str,
    expires_in_days: int | None = None,
    operator_id: int | None = None,
) -> TokenCreated:
    """A new token of an operator (the owner by default); the value is in the result only."""
    operator = get_operator(session) if operator_id is None else session.get(Operator, operator_id)
    if operator is None or operator.id is None:
        raise Conflict("no operator is set up yet; run `harbor init` first")
    value = _new_secret(OPERATOR_TOKEN_PREFIX)
    token = OperatorToken(
        operator_id=operator.id,
        name=name,
        prefix=value[:PREFIX_LENGTH],
        token_hash=hash_secret(value),
        expires_at=_expiry(expires_in_days),
    )
    session.add(token)
    session.flush()
    record_change(
        session,
        "token.created",
        f"token:{token.id}",
        details={"name": name, "prefix": token.prefix},
    )
    return TokenCreated(**token_public(token).model_dump(), token=value)


def list_operator_tokens(session: Session, operator_id: int | None = None) -> list[TokenPublic]:
    """An operator's tokens (every token when ``operator_id`` is None), newest first."""
    query = select(OperatorToken)
    if operator_id is not None:
        query = query.where(OperatorToken.operator_id == operator_id)
    rows = session.exec(query.order_by(col(OperatorToken.id).desc())).all()
    return [token_public(row) for row in rows]


def revoke_operator_token(
    session: Session, token_id: int, operator_id: int | None = None
) -> TokenPublic:
    """Revoke a token (only one of ``operator_id``'s when given); twice keeps the first time."""
    token = session.get(OperatorToken, token_id)
    if token is None or (operator_id is not None and token.operator_id != operator_id):
        raise NotFound(f"no operator token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        record_change(session, "token.revoked", f"token:{token.id}", details={"name": token.name})
    return token_public(token)


def operator_token_id(session: Session, value: str) -> int | None:
    """The row id of the operator token with this value, if there is one."""
    token = session.exec(
        select(OperatorToken).where(OperatorToken.token_hash == hash_secret(value))
    ).first()
    return token.id if token is not None else None


# --- agents and keys ------------------------------------------------------------------------


def validate_scopes(scopes: list[str]) -> list[str]:
    """Check each scope glob; return them de-duplicated in order."""
    for scope in scopes:
        if not _scope_re.match(scope):
            raise InvalidRequest(
                f"scope {scope!r} is not a glob over qualified action names "
                "(port.action), e.g. 'github-*.list_*' or '*.*'"
            )
    return list(dict.fromkeys(scopes))


def scope_allows(scopes: tuple[str, ...] | list[str], qualified_action: str) -> bool:
    """Whether any scope glob matches ``port.action``."""
    return any(fnmatch.fnmatchcase(qualified_action, scope) for scope in scopes)


def key_public(key: AgentKey) -> AgentKeyPublic:
    """The listable view of an agent key."""
    assert key.id is not None
    return AgentKeyPublic(
        id=key.id,
        prefix=key.prefix,
        created_at=key.created_at,
        expires_at=key.expires_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


def agent_public(session: Session, agent: Agent) -> AgentPublic:
    """The operator's view of an agent with its keys."""
    assert agent.id is not None
    keys = session.exec(
        select(AgentKey).where(AgentKey.agent_id == agent.id).order_by(col(AgentKey.id))
    ).all()
    return AgentPublic(
        id=agent.id,
        name=agent.name,
        description=agent.description,
        scopes=list(agent.scopes),
        created_at=agent.created_at,
        revoked_at=agent.revoked_at,
        suspended_at=agent.suspended_at,
        keys=[key_public(k) for k in keys],
    )


def _add_key(session: Session, agent: Agent, expires_in_days: int | None) -> AgentKeyCreated:
    assert agent.id is not None
    value = _new_secret(AGENT_KEY_PREFIX)
    key = AgentKey(
        agent_id=agent.id,
        prefix=value[:PREFIX_LENGTH],
        key_hash=hash_secret(value),
        expires_at=_expiry(expires_in_days),
    )
    session.add(key)
    session.flush()
    record_change(
        session,
        "agent_key.created",
        f"agent:{agent.name}",
        details={"key_id": key.id, "prefix": key.prefix},
    )
    return AgentKeyCreated(**key_public(key).model_dump(), key=value)


def create_agent(session: Session, spec: AgentCreate) -> AgentCreated:
    """Create an agent with its first key."""
    scopes = validate_scopes(spec.scopes)
    if session.exec(select(Agent).where(Agent.name == spec.name)).first() is not None:
        raise Conflict(
            f"an agent named '{spec.name}' already exists; choose another name "
            f"or add a key to it with `harbor agents add-key {spec.name}`"
        )
    agent = Agent(name=spec.name, description=spec.description, scopes=scopes)
    session.add(agent)
    try:
        session.flush()
    except IntegrityError as err:  # a concurrent create won the race
        raise Conflict(f"an agent named '{spec.name}' already exists") from err
    record_change(session, "agent.created", f"agent:{agent.name}", details={"scopes": scopes})
    key = _add_key(session, agent, spec.expires_in_days)
    return AgentCreated(agent=agent_public(session, agent), key=key)


def get_agent(session: Session, name: str) -> Agent:
    """An agent by name, or NotFound."""
    agent = session.exec(select(Agent).where(Agent.name == name)).first()
    if agent is None:
        raise NotFound(f"no agent named '{name}'")
    return agent


def list_agents(session: Session) -> list[AgentPublic]:
    """Every agent, by name."""
    agents = session.exec(select(Agent).order_by(col(Agent.name))).all()
    return [agent_public(session, a) for a in agents]


def update_agent(session: Session, name: str, spec: AgentUpdate) -> AgentPublic:
    """Change an agent's scopes or description; its keys stay as they are."""
    agent = get_agent(session, name)
    if agent.revoked_at is not None:
        raise Conflict(f"agent '{name}' is revoked; create a new agent instead")
    changes: dict[str, object] = {}
    if spec.scopes is not None:
        scopes = validate_scopes(spec.scopes)
        changes["scopes"] = {"from": list(agent.scopes), "to": scopes}
        agent.scopes = scopes
    if spec.description is not None:
        changes["description"] = spec.description
        agent.description = spec.description
    session.add(agent)
    record_change(session, "agent.updated", f"agent:{name}", details=changes)
    return agent_public(session, agent)


def revoke_agent(session: Session, name: str) -> AgentPublic:
    """Revoke an agent and every one of its keys."""
    agent = get_agent(session, name)
    now = utcnow()
    if agent.revoked_at is None:
        agent.revoked_at = now
        session.add(agent)
        record_change(session, "agent.revoked", f"agent:{agent.name}")
    for key in session.exec(select(AgentKey).where(AgentKey.agent_id == agent.id)).all():
        if key.revoked_at is None:
            key.revoked_at = now
            session.add(key)
    session.flush()
    return agent_public(session, agent)


def create_agent_key(session: Session, name: str, expires_in_days: int | None) -> AgentKeyCreated:
    """Add a key to an agent that is not revoked."""
    agent = get_agent(session, name)
    if agent.revoked_at is not None:
        raise Conflict(f"agent '{name}' is revoked; create a new agent instead")
    return _add_key(session, agent, expires_in_days)


def revoke_agent_key(session: Session, name: str, key_id: int) -> AgentKeyPublic:
    """Revoke one key of an agent."""
    agent = get_agent(session, name)
    key = session.get(AgentKey, key_id)
    if key is None or key.agent_id != agent.id:
        raise NotFound(f"agent '{name}' has no key with id {key_id}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        record_change(session, "agent_key.revoked", f"agent:{name}", details={"key_id": key_id})
    return key_public(key)


def rotate_agent_key(
    session: Session, name: str, key_id: int, expires_in_days: int | None
) -> AgentKeyCreated:
    """Replace one live key with a new one: the new key is shown once, the old one revoked.

    Both happen in the caller's transaction, so the agent never ends up with both keys or
    with neither.
    """
    agent = get_agent(session, name)
    old = session.get(AgentKey, key_id)
    if old is None or old.agent_id != agent.id:
        raise NotFound(f"agent '{name}' has no key with id {key_id}")
    if agent.revoked_at is not None:
        raise Conflict(f"agent '{name}' is revoked; create a new agent instead")
    if old.revoked_at is not None:
        raise Conflict(
            f"key {key_id} of agent '{name}' is already revoked; add a new key instead "
            f"with `harbor agents add-key {name}`"
        )
    created = _add_key(session, agent, expires_in_days)
    old.revoked_at = utcnow()
    session.add(old)
    record_change(
        session,
        "agent_key.rotated",
        f"agent:{name}",
        details={"old_key_id": key_id, "new_key_id": created.id, "prefix": created.prefix},
    )
    return created


# --- authentication -------------------------------------------------------------------------


def _check_usable(kind: str, revoked_at: datetime | None, expires_at: datetime | None) -> None:
    if revoked_at is not None:
        raise Unauthorized(f"this {kind} was revoked; ask the operator for a new one")
    if expires_at is not None and expires_at <= utcnow():
        raise Unauthorized(f"this {kind} expired; ask the operator for a new one")


def _touch(row: OperatorToken | AgentKey, session: Session) -> bool:
    """Refresh ``last_used_at`` when it is stale; in a read-only session only report it."""
    now = utcnow()
    if row.last_used_at is not None and now - row.last_used_at <= LAST_USED_RESOLUTION:
        return False
    if not session.info.get("harbor_read_only"):
        row.last_used_at = now
        session.add(row)
    return True


def mark_used(session: Session, principal: Principal) -> None:
    """Record that the principal's credential was just used (after a read-only check)."""
    row: OperatorToken | AgentKey | None
    if principal.role == "operator":
        row = session.get(OperatorToken, principal.credential_id)
    else:
        row = session.get(AgentKey, principal.credential_id)
    if row is not None:
        _touch(row, session)


def authenticate(session: Session, credential: str) -> Principal:
    """The principal a bearer credential belongs to, or Unauthorized."""
    if credential.startswith(OPERATOR_TOKEN_PREFIX):
        return _authenticate_operator(session, credential)
    if credential.startswith(AGENT_KEY_PREFIX):
        return _authenticate_agent(session, credential)
    raise Unauthorized("unknown credential; send an agent key or operator token as Bearer")


def _authenticate_operator(session: Session, credential: str) -> Principal:
    row = session.exec(
        select(OperatorToken, Operator)
        .join(Operator, col(Operator.id) == col(OperatorToken.operator_id))
        .where(OperatorToken.token_hash == hash_secret(credential))
    ).first()
    if row is None:
        raise Unauthorized("unknown operator token")
    token, operator = row
    _check_usable("operator token", token.revoked_at, token.expires_at)
    if operator.disabled_at is not None:
        raise Unauthorized(f"the operator account '{operator.name}' is disabled")
    due = _touch(token, session)
    return Principal(
        role="operator",
        name=operator.name,
        operator_role=operator.role,
        id=token.operator_id,
        credential_id=token.id,
        use_not_recorded=due and bool(session.info.get("harbor_read_only")),
    )


def _authenticate_agent(session: Session, credential: str) -> Principal:
    row = session.exec(
        select(AgentKey, Agent)
        .join(Agent, col(Agent.id) == col(AgentKey.agent_id))
        .where(AgentKey.key_hash == hash_secret(credential))
    ).first()
    if row is None:
        raise Unauthorized("unknown agent key")
    key, agent = row
    _check_usable("agent", agent.revoked_at, None)
    _check_usable("agent key", key.revoked_at, key.expires_at)
    due = _touch(key, session)
    assert agent.id is not None
    return Principal(
        role="agent",
        name=agent.name,
        id=agent.id,
        scopes=tuple(agent.scopes),
        credential_id=key.id,
        use_not_recorded=due and bool(session.info.get("harbor_read_only")),
    )
