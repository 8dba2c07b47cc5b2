"""What `tourflow pii ...` does: rotate the local KMS key, re-wrap envelopes."""

from __future__ import annotations

from adapters.kms import KeyRef, provider_for
from adapters.kms.local import rotate_keyring_file
from domain.errors import BadRequest
from domain.pii.rotation import RewrapReport, rewrap_all
from tourflow.runtime import resolve_runtime
from tourflow.settings import Settings


def rotate_key(settings: Settings) -> KeyRef:
    """Add a fresh version to the keyring file and make it current."""
    if settings.kms_key:
        raise BadRequest(
            "kms_key_inline",
            "TOURFLOW_KMS_KEY is set: rotate by setting it to a JSON keyring with a new"
            ' current version ({"key_id": ..., "current": N, "versions": {...}})',
        )
    return rotate_keyring_file(settings.resolved_kms_key_file)


async def rewrap(settings: Settings, *, batch_size: int) -> RewrapReport:
    """Re-wrap every envelope not on the current key version."""
    async with resolve_runtime(settings) as runtime:
        return await rewrap_all(
            runtime.session_factory, provider_for(settings), batch_size=batch_size
        )
