"""The people who may sign in to the web app, each with one role, and their passwords as argon2id hashes.

argon2-cffi's PasswordHasher (argon2id, its RFC 9106 low-memory defaults) rather than a hand-rolled scheme:
it salts, encodes its own parameters in the hash, and says when a hash should be redone with newer ones.
User names are people's own (a manager's), never a child's; they appear in the audit trail."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cse_pdf.agreement.roles import Role
from cse_pdf.base.errors import CsePdfError, ValuesError
from cse_pdf.store import Store
from cse_pdf.store.models import UserRecord

MIN_PASSWORD_LENGTH = 12
MAX_NAME_LENGTH = 64
_hasher = PasswordHasher()  # argon2id
# Verified against when the name is unknown or disabled, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password: only makes unknown names as slow as known ones")


@dataclass(frozen=True)
class User:
    """A user as the app and `users list` see one: never the password hash."""

    name: str
    role: Role
    disabled: bool
    created_at: datetime


def _user(row: UserRecord) -> User:
    return User(row.name, Role(row.role), row.disabled, row.created_at)


def check_name(name: str) -> str:
    """A user name: trimmed, printable, one line, at most 64 characters."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or any(unicodedata.category(c)[0] == "C" for c in name):
        raise ValuesError(f"a user name is 1 to {MAX_NAME_LENGTH} printable characters on one line")
    return name


def check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValuesError(f"unknown role {role!r}; give one of " + ", ".join(r.value for r in Role)) from None


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValuesError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _same_name(name: str) -> sa.ColumnElement[bool]:
    """Names are compared without regard to case: "Sam" and "sam" are one user."""
    return sa.func.lower(UserRecord.name) == name.lower()


def add_user(store: Store, name: str, role: str, password: str) -> User:
    """Add a user who can sign in at once; a name already taken (in any case) is refused."""
    name, checked_role, password = check_name(name), check_role(role), check_password(password)
    created = datetime.now(timezone.utc)
    row = UserRecord(name=name, role=checked_role.value, password_hash=_hasher.hash(password), disabled=False,
                     created_at=created)
    with store._writing() as s:
        if s.scalar(sa.select(UserRecord.id).where(_same_name(name))) is not None:
            raise CsePdfError(f"there is already a user named {name!r}; choose another name")
        s.add(row)
    return User(name, checked_role, False, created)


def list_users(store: Store) -> list[User]:
    with store._reading() as s:
        return [_user(row) for row in s.scalars(sa.select(UserRecord).order_by(sa.func.lower(UserRecord.name)))]


def disable_user(store: Store, name: str) -> User:
    """Stop a user signing in (and end their sessions at their next request); the row stays, so the audit
    trail's names keep meaning someone."""
    with store._writing() as s:
        row = s.scalars(sa.select(UserRecord).where(_same_name(name.strip()))).first()
        if row is None:
            raise CsePdfError(f"no user named {name.strip()!r}; see `cse-pdf users list`")
        row.disabled = True
        return _user(row)


def active_user(store: Store, name: str) -> User | None:
    """The user of that name if they may still sign in (exists, not disabled): checked on every request."""
    with store._reading() as s:
        row = s.scalars(sa.select(UserRecord).where(_same_name(name))).first()
        return None if row is None or row.disabled else _user(row)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user, if the name and password match an enabled user; else None, in about the same time whether
    the name is unknown, disabled or the password wrong, so a guess learns nothing about which."""
    with store._reading() as s:
        row = s.scalars(sa.select(UserRecord).where(_same_name(name.strip()))).first()
    stored = row.password_hash if row is not None and not row.disabled else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if _hasher.check_needs_rehash(stored):
        with store._writing() as s:
            s.execute(sa.update(UserRecord).where(UserRecord.id == row.id)
                      .values(password_hash=_hasher.hash(password)))
    return _user(row)
