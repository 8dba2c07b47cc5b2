import pytest

from domain.approvals.policy import Command, fingerprint, parse_policy


def test_a_policy_requires_approval_only_for_its_kinds_and_actions():
    policy = parse_policy("agent:cancel, workflow:*")
    assert policy.rule_for("agent", "cancel") == "agent:cancel"
    assert policy.rule_for("agent", "confirm") is None
    assert policy.rule_for("workflow", "override") == "workflow:*"
    assert policy.rule_for("staff", "cancel") is None


def test_an_empty_policy_requires_nothing():
    assert parse_policy("").rule_for("agent", "cancel") is None


@pytest.mark.parametrize("text", ["agent", "staff:cancel", "agent:delete", "agent:"])
def test_a_malformed_rule_is_refused_by_name(text):
    with pytest.raises(ValueError, match="approval policy rule"):
        parse_policy(text)


def test_the_fingerprint_covers_command_and_policy_inputs_not_key_order():
    command = Command("override", "book_1", (("reason", "r"), ("status", "cancelled"))).canonical()
    policy = {"principal_id": "prin_1", "rule": "agent:override"}
    same = fingerprint(dict(reversed(list(command.items()))), dict(reversed(list(policy.items()))))
    assert fingerprint(command, policy) == same
    other = Command("override", "book_1", (("reason", "r"), ("status", "confirmed"))).canonical()
    assert fingerprint(other, policy) != fingerprint(command, policy)
    assert fingerprint(command, {**policy, "rule": "agent:*"}) != fingerprint(command, policy)
