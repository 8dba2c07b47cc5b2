from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, create_engine, inspect

from domain.db import to_sqlalchemy_url
from domain.models import Base
from tourflow import migrate


def test_migrations_produce_exactly_the_models_schema(database_url):
    engine = create_engine(to_sqlalchemy_url(database_url))
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    engine.dispose()
    assert diff == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(database_url):
    command.downgrade(migrate.alembic_config(database_url), "base")
    engine = create_engine(to_sqlalchemy_url(database_url))
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(database_url)
    assert {"outbox_events", "workflow_intents", "api_keys"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_every_table_has_a_text_typeid_key_and_timestamps():
    for table in Base.metadata.tables.values():
        assert [c.name for c in table.primary_key.columns] == ["id"], table.name
        assert {"created_at", "updated_at"} <= set(table.columns.keys()), table.name
        created = table.columns["created_at"].type
        assert isinstance(created, DateTime) and created.timezone, table.name


def test_migrations_have_a_single_head(database_url):
    heads = ScriptDirectory.from_config(migrate.alembic_config(database_url)).get_heads()
    assert len(heads) == 1, f"merge the branches: heads are {heads}"
