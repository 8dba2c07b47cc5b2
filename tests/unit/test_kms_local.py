import base64
import json
import os
import stat

import pytest

from adapters.kms import KmsKeyError, KmsUnavailable, LocalKmsProvider, provider_for
from adapters.kms.local import Keyring, parse_keyring, rotate_keyring_file, write_keyring
from tourflow.keyfile import ensure_local_kms_key
from tourflow.settings import Settings

CONTEXT = {"purpose": "test", "traveller_id": "bkps_1"}


def b64key(byte: int = 1) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


def test_a_bare_key_is_version_one_of_the_local_key():
    keyring = parse_keyring(b64key() + "\n")
    assert (keyring.key_id, keyring.current, list(keyring.versions)) == ("local", 1, [1])


def test_a_json_keyring_names_its_current_version():
    text = json.dumps({"key_id": "k", "current": 2, "versions": {"1": b64key(1), "2": b64key(2)}})
    keyring = parse_keyring(text)
    assert (keyring.key_id, keyring.current, sorted(keyring.versions)) == ("k", 2, [1, 2])


@pytest.mark.parametrize(
    "text",
    [
        "not base64!",
        base64.b64encode(b"short").decode(),
        '{"current": 3, "versions": {"1": "' + b64key() + '"}}',
        '{"versions": 5}',
    ],
)
def test_malformed_key_material_is_kms_unavailable(text):
    with pytest.raises(KmsUnavailable):
        parse_keyring(text)


async def test_a_wrapped_key_unwraps_only_with_the_same_context():
    kms = LocalKmsProvider(text=b64key())
    wrapped = await kms.wrap(b"d" * 32, context=CONTEXT)
    assert (wrapped.key_id, wrapped.key_version) == ("local", 1)
    assert b"d" * 32 not in wrapped.ciphertext
    assert await kms.unwrap(wrapped, context=CONTEXT) == b"d" * 32
    with pytest.raises(KmsKeyError) as err:
        await kms.unwrap(wrapped, context={**CONTEXT, "traveller_id": "bkps_2"})
    assert err.value.code == "kms_unwrap_failed"


async def test_rotation_adds_a_version_keeps_the_old_one_readable_and_the_file_private(tmp_path):
    path = tmp_path / "kms.key"
    ensure_local_kms_key(path)
    kms = LocalKmsProvider(path=path)
    old = await kms.wrap(b"k" * 32, context=CONTEXT)
    ref = rotate_keyring_file(path)
    assert (ref.key_id, ref.key_version) == ("local", 2)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # The running provider notices the new file: new wraps use v2, v1 still unwraps.
    assert (await kms.current_key()).key_version == 2
    new = await kms.wrap(b"k" * 32, context=CONTEXT)
    assert new.key_version == 2
    assert await kms.unwrap(old, context=CONTEXT) == await kms.unwrap(new, context=CONTEXT)


async def test_an_envelope_naming_a_version_the_keyring_lacks_is_kms_key_unknown(tmp_path):
    path = tmp_path / "kms.key"
    write_keyring(path, Keyring("local", 1, {1: b"a" * 32}).with_new_version())
    wrapped = await LocalKmsProvider(path=path).wrap(b"x" * 32, context=CONTEXT)
    write_keyring(path, Keyring("local", 1, {1: b"a" * 32}))  # version 2 dropped too early
    with pytest.raises(KmsKeyError) as err:
        await LocalKmsProvider(path=path).unwrap(wrapped, context=CONTEXT)
    assert err.value.code == "kms_key_unknown"


async def test_a_missing_key_file_is_a_503_kms_unavailable(tmp_path):
    kms = provider_for(Settings(data_dir=tmp_path / "nowhere"))
    with pytest.raises(KmsUnavailable) as err:
        await kms.current_key()
    assert err.value.status == 503


async def test_an_inline_key_wins_over_the_key_file(tmp_path):
    kms = provider_for(Settings(data_dir=tmp_path, kms_key=b64key(7)))
    wrapped = await kms.wrap(b"z" * 32, context=CONTEXT)
    assert await LocalKmsProvider(text=b64key(7)).unwrap(wrapped, context=CONTEXT) == b"z" * 32
