"""Who may save, activate and roll back (riskapp.access), with fake users and secrets."""

from __future__ import annotations

import pytest

from riskapp.access import (
    ALLOWED,
    LOCAL,
    MISCONFIGURED,
    NOT_LISTED,
    SIGNED_OUT,
    AccessDenied,
    allow_list,
    auth_providers,
    decide_access,
    require_change_rights,
)

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s",
        "client_id": "id", "client_secret": "secret",
        "server_metadata_url": "https://id.example.org/.well-known/openid-configuration"}
SECRETS = {"auth": AUTH, "access": {"allowed": ["Ana@Clinic.org", " bo@clinic.org "]}}


def signed_in(email, **extra):
    return {"is_logged_in": True, "email": email, **extra}


def test_without_sign_in_configured_the_local_user_may_change_and_is_told_so():
    access = decide_access({}, {})
    assert access.mode == LOCAL and access.may_change
    assert "Local single-user mode" in access.message
    # AppTest's default user has an e-mail but no sign-in: still local mode
    assert decide_access({}, {"email": "test@example.com"}).mode == LOCAL


@pytest.mark.parametrize("email", ["ana@clinic.org", "ANA@CLINIC.ORG", "bo@clinic.org"])
def test_listed_users_may_change_whatever_the_case_of_their_email(email):
    access = decide_access(SECRETS, signed_in(email, email_verified=True))
    assert access.mode == ALLOWED and access.may_change and access.user == email
    require_change_rights(access)  # no exception


@pytest.mark.parametrize("user, mode", [
    ({}, SIGNED_OUT),
    ({"is_logged_in": False, "email": "ana@clinic.org"}, SIGNED_OUT),
    ({"email": "ana@clinic.org"}, SIGNED_OUT),  # an e-mail without sign-in proves nothing
    (signed_in("eve@clinic.org"), NOT_LISTED),
    (signed_in("ana@clinic.org.evil.com"), NOT_LISTED),
    (signed_in("ana@clinic.org", email_verified=False), NOT_LISTED),
    (signed_in(""), NOT_LISTED),
    ({"is_logged_in": True}, NOT_LISTED),
])
def test_everyone_else_may_not_change(user, mode):
    access = decide_access(SECRETS, user)
    assert access.mode == mode and not access.may_change
    with pytest.raises(AccessDenied, match="Not allowed"):
        require_change_rights(access)


@pytest.mark.parametrize("secrets", [
    {"auth": AUTH},  # sign-in without an allow-list
    {"auth": AUTH, "access": {"allowed": []}},
    {"auth": AUTH, "access": {"allowed": 42}},
    {"auth": AUTH, "access": {}},
    {"access": {"allowed": ["ana@clinic.org"]}},  # an allow-list without sign-in
])
def test_half_configured_access_fails_closed_even_for_a_listed_user(secrets):
    access = decide_access(secrets, signed_in("ana@clinic.org", email_verified=True))
    assert access.mode == MISCONFIGURED and not access.may_change
    assert "disabled" in access.message


def test_the_allow_list_accepts_one_string_and_ignores_blanks():
    assert allow_list({"access": {"allowed": "Ana@Clinic.org"}}) == ["ana@clinic.org"]
    assert allow_list({"access": {"allowed": ["", "  "]}}) is None
    assert allow_list({}) is None


def test_the_messages_never_show_secrets():
    for user in ({}, signed_in("eve@clinic.org"), signed_in("ana@clinic.org")):
        message = decide_access(SECRETS, user).message
        assert "secret" not in message.replace("secrets", "") and "cookie" not in message


def test_providers_are_named_sections_or_the_default_one():
    assert auth_providers({"auth": AUTH}) == [None]
    named = {"auth": {"redirect_uri": "x", "cookie_secret": "y",
                      "google": {"client_id": "a"}, "microsoft": {"client_id": "b"}}}
    assert auth_providers(named) == ["google", "microsoft"]
    assert auth_providers({}) == []
