"""Contract tests talk HTTP to the app, like the api tier: reuse its fixtures."""

from tests.api.conftest import http, make_key, runtime  # noqa: F401
