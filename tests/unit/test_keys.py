import pytest

from domain.auth.keys import generate_key, has_scope, secret_matches, split_key, validate_scope


def test_a_generated_key_splits_back_into_its_lookup_and_a_secret_that_matches_the_hash():
    key = generate_key()
    parts = split_key(key.plaintext)
    assert parts is not None
    lookup, secret = parts
    assert lookup == key.lookup
    assert secret_matches(secret, key.secret_hash)
    assert key.secret_hash != secret and secret not in key.secret_hash


def test_a_tampered_secret_does_not_match():
    key = generate_key()
    _, secret = split_key(key.plaintext)  # type: ignore[misc]
    assert not secret_matches(secret[:-1] + ("A" if secret[-1] != "A" else "B"), key.secret_hash)


@pytest.mark.parametrize(
    "text", ["", "tf_short_x", "sk_abcdefghijkl_" + "a" * 32, "tf_ABCDEFGHIJKL_" + "a" * 32]
)
def test_malformed_keys_are_rejected_before_any_lookup(text):
    assert split_key(text) is None


@pytest.mark.parametrize(
    ("granted", "required", "expected"),
    [
        (["bookings:read"], "bookings:read", True),
        (["bookings:read"], "bookings:write", False),
        (["bookings:*"], "bookings:write", True),
        (["*:read"], "finance:read", True),
        (["*:read"], "finance:write", False),
        (["*:*"], "ops:write", True),
        ([], "ops:read", False),
        (["finance:read"], "bookings:read", False),
    ],
)
def test_scopes_cover_exact_and_wildcard_grants(granted, required, expected):
    assert has_scope(granted, required) is expected


@pytest.mark.parametrize(
    "scope", ["bookings", "Bookings:read", "bookings:read:extra", "book ings:read"]
)
def test_malformed_scopes_are_refused(scope):
    with pytest.raises(ValueError, match="scope must look like"):
        validate_scope(scope)
