"""Print the Alembic operations that would bring a freshly migrated database to the models.

Usage: python -m tourflow.schema_diff
Starts a throwaway embedded PostgreSQL, applies every migration (all heads), compares with
`domain.models` and prints `op.*` code to paste into a new migration in
tourflow/migrations/versions/. Prints nothing when migrations and models agree.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from domain.db import to_sqlalchemy_url
from domain.models import Base
from tourflow.embedded import EmbeddedPostgres
from tourflow.migrate import upgrade


def main() -> None:
    """Run the comparison and print the rendered operations."""
    server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="tourflow-diff-")) / "pgdata")
    url = server.start()
    try:
        upgrade(url)
        engine = create_engine(to_sqlalchemy_url(url))
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            script = produce_migrations(context, Base.metadata)
        engine.dispose()
        if script.upgrade_ops is None or script.upgrade_ops.is_empty():
            return
        print(render_python_code(script.upgrade_ops))
        print("# --- downgrade ---")
        if script.downgrade_ops is not None:
            print(render_python_code(script.downgrade_ops))
    finally:
        server.stop(force=True)


if __name__ == "__main__":
    main()
