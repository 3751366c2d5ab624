"""Who may do what: the roles staff / admin / legal, local password sign-in and OIDC role mapping.

Every admin and review action calls :func:`require` with the signed-in :class:`Principal`, so the
check happens in the server process, not by hiding a link. Passwords are never stored or compared
in clear: the environment holds a salted scrypt hash (``python -m assistant hash-password``), and a
role whose hash is unset cannot be signed in to at all.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from .config import Settings

STAFF, ADMIN, LEGAL = "staff", "admin", "legal"
ROLES = (STAFF, ADMIN, LEGAL)

# scrypt cost: n=2**14, r=8 is the interactive-login setting of the scrypt paper and RFC 7914
# (about 16 MB and tens of milliseconds per check), which makes guessing offline expensive.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
_PREFIX = "scrypt"


class AccessDenied(PermissionError):
    """The signed-in user lacks the role an action needs."""


@dataclass(frozen=True)
class Principal:
    """The person using the app and the roles they hold (staff always)."""

    name: str
    roles: frozenset[str] = frozenset({STAFF})
    via: str = "anonymous"  # "anonymous", "password" or "oidc"

    def has(self, role: str) -> bool:
        return role in self.roles


ANONYMOUS = Principal("staff")


def require(principal: Principal | None, role: str) -> Principal:
    """Return the principal when it holds ``role``; raise :class:`AccessDenied` otherwise."""
    if principal is None or not principal.has(role):
        raise AccessDenied(f"this needs the {role} role")
    return principal


# ------------------------------------------------------------------ password hashes


def hash_password(password: str, salt: bytes | None = None) -> str:
    """'scrypt$n$r$p$salt$hash' with a random salt; what ASSISTANT_*_PASSWORD_HASH holds."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return "$".join([_PREFIX, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """Constant-time comparison against a stored hash; a malformed or empty hash never matches."""
    try:
        prefix, n, r, p, salt, expected = stored.strip().split("$")
        if prefix != _PREFIX:
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(_unb64(expected))
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, _unb64(expected))


def password_roles(settings: Settings) -> tuple[str, ...]:
    """The roles one can sign in to locally: those whose password hash is set."""
    hashes = {ADMIN: settings.admin_password_hash, LEGAL: settings.legal_password_hash}
    return tuple(role for role, value in hashes.items() if value.strip())


def sign_in_with_password(settings: Settings, role: str, password: str) -> Principal | None:
    """The principal for a correct password, None otherwise (also when the role has no hash)."""
    stored = {ADMIN: settings.admin_password_hash, LEGAL: settings.legal_password_hash}.get(role, "")
    if not stored.strip() or not password or not verify_password(password, stored):
        return None
    return Principal(name=role, roles=frozenset({STAFF, role}), via="password")


# ------------------------------------------------------------------ OpenID Connect


def oidc_principal(settings: Settings, email: str | None, name: str | None = None) -> Principal:
    """Roles for a user signed in through the identity provider, from ASSISTANT_ADMIN_USERS /
    ASSISTANT_LEGAL_USERS (e-mail addresses, compared case-insensitively)."""
    address = (email or "").strip().lower()
    roles = {STAFF}
    if address and address in _addresses(settings.admin_users):
        roles.add(ADMIN)
    if address and address in _addresses(settings.legal_users):
        roles.add(LEGAL)
    return Principal(name=name or address or "signed-in user", roles=frozenset(roles), via="oidc")


def _addresses(raw: str) -> set[str]:
    return {part.strip().lower() for part in raw.split(",") if part.strip()}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
