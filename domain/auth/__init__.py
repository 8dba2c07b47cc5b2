"""Principals (staff, agent, workflow, reseller) and their hashed API keys."""
