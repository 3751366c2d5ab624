"""Roles, salted password hashes and the OIDC role mapping."""
from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.auth import (
    ADMIN,
    ANONYMOUS,
    LEGAL,
    STAFF,
    AccessDenied,
    hash_password,
    oidc_principal,
    password_roles,
    require,
    sign_in_with_password,
    verify_password,
)
from assistant.config import load_settings


@pytest.fixture(scope="module")
def stored():
    return hash_password("correct horse")


def test_right_password_verifies(stored):
    assert verify_password("correct horse", stored)


@pytest.mark.parametrize("attempt", ["correct horsE", "", "correct horse ", "wrong"])
def test_wrong_passwords_do_not_verify(stored, attempt):
    assert not verify_password(attempt, stored)


def test_same_password_gets_a_different_salt_each_time():
    assert hash_password("pw") != hash_password("pw")


def test_the_hash_does_not_contain_the_password(stored):
    assert "correct" not in stored and stored.startswith("scrypt$")


@pytest.mark.parametrize("bad", ["", "plain-text-password", "scrypt$1$2$3", "md5$x$y$z$a$b", "scrypt$16384$8$1$!!$??"])
def test_malformed_hashes_never_match(bad):
    assert not verify_password("anything", bad)


def test_empty_password_cannot_be_hashed():
    with pytest.raises(ValueError):
        hash_password("")


def settings(**values):
    blank = dict(admin_password_hash="", legal_password_hash="", admin_users="", legal_users="")
    return replace(load_settings(), **{**blank, **values})


def test_no_role_can_be_signed_in_to_when_no_hash_is_set():
    s = settings()
    assert password_roles(s) == ()
    assert sign_in_with_password(s, ADMIN, "") is None


def test_admin_signs_in_with_the_right_password(stored):
    principal = sign_in_with_password(settings(admin_password_hash=stored), ADMIN, "correct horse")
    assert principal is not None and principal.has(ADMIN) and not principal.has(LEGAL)


@pytest.mark.parametrize("role, password", [(ADMIN, "wrong"), (LEGAL, "correct horse"), ("root", "correct horse")])
def test_sign_in_is_refused(stored, role, password):
    assert sign_in_with_password(settings(admin_password_hash=stored), role, password) is None


def test_require_lets_the_role_through(stored):
    principal = sign_in_with_password(settings(legal_password_hash=stored), LEGAL, "correct horse")
    assert require(principal, LEGAL) is principal


@pytest.mark.parametrize("principal", [None, ANONYMOUS])
def test_require_denies_staff_and_nobody(principal):
    with pytest.raises(AccessDenied):
        require(principal, ADMIN)


@pytest.mark.parametrize(
    "email, roles",
    [
        ("Ada@Corvane.example", {STAFF, ADMIN}),
        ("lex@corvane.example", {STAFF, LEGAL}),
        ("both@corvane.example", {STAFF, ADMIN, LEGAL}),
        ("someone@corvane.example", {STAFF}),
        (None, {STAFF}),
    ],
)
def test_oidc_users_are_mapped_to_roles_from_configuration(email, roles):
    s = settings(admin_users="ada@corvane.example, both@corvane.example", legal_users="lex@corvane.example,both@corvane.example")
    assert set(oidc_principal(s, email).roles) == roles
