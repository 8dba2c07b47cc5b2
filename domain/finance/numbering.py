"""Document-number formats and reset periods, pure.

A format is literal text with tokens: `{YYYY}`, `{YY}`, `{MM}`, `{DD}` (from the document's
issue date) and exactly one `{seq}` or `{seq:0N}` (the sequence, zero-padded to N digits).
Example: `INV-{YYYY}-{seq:06}` -> `INV-2026-000042`.

A series' reset rule picks the counter a number comes from: one counter for ever
(`never`), one per calendar year (`annual`) or one per month (`monthly`). A format must
name the period it resets on, or numbers of two periods would collide.
"""

from __future__ import annotations

import re
from datetime import date

from domain.errors import BadRequest

RESET_RULES = ("never", "annual", "monthly")
SCOPES = ("invoice", "proforma", "credit_note")
MAX_FORMAT_LENGTH = 48
MAX_NUMBER_LENGTH = 64
MAX_SEQ_WIDTH = 12

_TOKEN = re.compile(r"\{([^{}]*)\}")
_SEQ = re.compile(r"^seq(?::0(\d{1,2}))?$")
_DATE_TOKENS = {
    "YYYY": lambda d: f"{d.year:04d}",
    "YY": lambda d: f"{d.year % 100:02d}",
    "MM": lambda d: f"{d.month:02d}",
    "DD": lambda d: f"{d.day:02d}",
}


def _invalid(message: str, template: str) -> BadRequest:
    return BadRequest("invalid_number_format", message, format=template)


def validate_format(template: str, reset_rule: str = "never") -> str:
    """Return `template` if it is a usable format for `reset_rule`, else 400."""
    if reset_rule not in RESET_RULES:
        raise BadRequest("invalid_reset_rule", f"reset rule must be one of {RESET_RULES}")
    if not template or len(template) > MAX_FORMAT_LENGTH:
        raise _invalid(f"a format has 1 to {MAX_FORMAT_LENGTH} characters", template)
    tokens = _TOKEN.findall(template)
    if _TOKEN.sub("", template).count("{") or _TOKEN.sub("", template).count("}"):
        raise _invalid("unbalanced braces in the format", template)
    seqs = [t for t in tokens if _SEQ.match(t)]
    unknown = [t for t in tokens if t not in _DATE_TOKENS and not _SEQ.match(t)]
    if unknown:
        raise _invalid(f"unknown token {{{unknown[0]}}}", template)
    if len(seqs) != 1:
        raise _invalid("a format has exactly one {seq} token", template)
    width = _SEQ.match(seqs[0])
    if width and width.group(1) and not 1 <= int(width.group(1)) <= MAX_SEQ_WIDTH:
        raise _invalid(f"{{seq}} pads to 1..{MAX_SEQ_WIDTH} digits", template)
    has_year = "YYYY" in tokens or "YY" in tokens
    if reset_rule in ("annual", "monthly") and not has_year:
        raise _invalid(f"a series reset {reset_rule} needs a year token", template)
    if reset_rule == "monthly" and "MM" not in tokens:
        raise _invalid("a series reset monthly needs {MM}", template)
    return template


def format_number(template: str, *, seq: int, on: date) -> str:
    """Render `template` for sequence `seq` on the issue date `on`."""
    if seq < 1:
        raise ValueError("sequences start at 1")

    def render(match: re.Match[str]) -> str:
        token = match.group(1)
        if token in _DATE_TOKENS:
            return _DATE_TOKENS[token](on)
        seq_match = _SEQ.match(token)
        if seq_match is None:
            raise _invalid(f"unknown token {{{token}}}", template)
        width = int(seq_match.group(1) or 0)
        return f"{seq:0{width}d}"

    return _TOKEN.sub(render, template)


def period_key(reset_rule: str, on: date) -> str:
    """The counter a number issued on `on` draws from: 'all', '2026' or '2026-03'."""
    if reset_rule == "never":
        return "all"
    if reset_rule == "annual":
        return f"{on.year:04d}"
    if reset_rule == "monthly":
        return f"{on.year:04d}-{on.month:02d}"
    raise BadRequest("invalid_reset_rule", f"reset rule must be one of {RESET_RULES}")


def placeholder(document_id: str) -> str:
    """The local number of a document whose number an external provider will allocate."""
    return f"PENDING-{document_id}"
