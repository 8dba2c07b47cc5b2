"""Domain packages: models, pure rules and services (services flush, never commit)."""
