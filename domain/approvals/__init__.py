"""The action ledger: approval-required mutations, their approvals and their executions."""
