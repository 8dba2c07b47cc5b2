import ast
from pathlib import Path

import domain.bookings
from domain.distribution.webhooks import sign, signature_ok

ROOT = Path(domain.bookings.__file__).parent.parent


def imported_modules(package: Path) -> set[str]:
    names: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
    return names


def test_bookings_and_availability_never_import_distribution():
    for package in ("bookings", "availability"):
        leaked = {m for m in imported_modules(ROOT / package) if "distribution" in m}
        assert leaked == set(), package


def test_a_webhook_signature_verifies_only_with_the_same_secret_and_body():
    body = b'{"id":"evt-1","type":"booking.cancelled","data":{}}'
    header = sign("whsec_a", body)
    assert header.startswith("sha256=") and signature_ok("whsec_a", body, header)
    assert not signature_ok("whsec_b", body, header)
    assert not signature_ok("whsec_a", body + b" ", header)
    assert not signature_ok("whsec_a", body, None)
    assert not signature_ok(None, body, header)
    assert not signature_ok("whsec_a", body, header.upper())
