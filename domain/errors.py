"""Domain errors with stable machine-readable codes; the API maps them to HTTP in one place."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base error: `code` is stable and machine-readable, `message` is for humans."""

    status = 400

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class BadRequest(DomainError):
    """The caller sent something well-formed but unacceptable."""

    status = 400


class Unauthorized(DomainError):
    """No or invalid credentials."""

    status = 401


class Forbidden(DomainError):
    """Authenticated, but missing a scope."""

    status = 403


class NotFound(DomainError):
    """The named thing does not exist (or is not visible to the caller)."""

    status = 404


class Conflict(DomainError):
    """The request conflicts with current state (duplicate, invalid transition)."""

    status = 409


class Unavailable(DomainError):
    """A dependency (database, Temporal) is unreachable; retry later."""

    status = 503
