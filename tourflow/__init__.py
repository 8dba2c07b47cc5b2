"""tourflow runtime: settings, CLI, embedded stack, Temporal wiring and migrations."""
