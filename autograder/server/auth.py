"""Tokens: instructors issue one per student from a roster; the server keeps only hashes.

A request carries its token as ``Authorization: Bearer TOKEN`` or, from the web pages,
in an HttpOnly, SameSite=Strict cookie set by the login form.
"""

from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass
from pathlib import Path

from .errors import ApiError
from .store import Store, sha256

TOKEN_COOKIE = "grader_token"
ROSTER_COLUMNS = ("student", "id", "username", "email", "name")


@dataclass(frozen=True)
class Principal:
    person: str
    role: str

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"


def token_hash(token: str) -> str:
    return sha256(token.encode())


def read_roster(path: Path) -> list[str]:
    """The students of a CSV roster: the first of the columns ``ROSTER_COLUMNS`` it has."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        return []
    headers = {name.strip().lower(): name for name in rows[0] if name}
    column = next((headers[c] for c in ROSTER_COLUMNS if c in headers), None)
    if column is None:
        raise ValueError(f"{path}: needs a column named one of {', '.join(ROSTER_COLUMNS)}")
    return list(dict.fromkeys(row[column].strip() for row in rows if (row[column] or "").strip()))


def issue_tokens(store: Store, people: list[str], role: str, *,
                 reissue: bool = False) -> list[tuple[str, str | None]]:
    """A new token for each person without one (each, with ``reissue``, replacing theirs).

    Returns (person, token), with None for people who keep the token they have."""
    existing = store.people_with_tokens(role)
    issued = []
    for person in people:
        if person in existing and not reissue:
            issued.append((person, None))
            continue
        token = secrets.token_urlsafe(24)
        store.add_token(token_hash(token), person, role, replace=True)
        issued.append((person, token))
    return issued


def bearer_token(authorization: str | None, cookie: str | None) -> str | None:
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(401, "bad_authorization",
                           "the Authorization header must be 'Bearer <token>'",
                           {"WWW-Authenticate": "Bearer"})
        return value.strip()
    return cookie or None


def authenticate(store: Store, token: str | None) -> Principal:
    if not token:
        raise ApiError(401, "missing_token", "send your token as 'Authorization: Bearer "
                       "<token>' (your instructor gave it to you)",
                       {"WWW-Authenticate": "Bearer"})
    owner = store.token_owner(token_hash(token))
    if owner is None:
        raise ApiError(401, "invalid_token", "this token is not known to the server",
                       {"WWW-Authenticate": "Bearer"})
    return Principal(*owner)
