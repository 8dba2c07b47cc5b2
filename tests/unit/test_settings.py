from pathlib import Path

from tourflow.settings import Settings


def test_defaults_mean_embedded_parts_in_a_local_data_dir(monkeypatch):
    for name in (
        "TOURFLOW_DATABASE_URL",
        "DATABASE_URL",
        "TOURFLOW_TEMPORAL_ADDRESS",
        "TEMPORAL_ADDRESS",
        "TOURFLOW_DATA_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert s.database_url is None and s.temporal_address is None
    assert s.data_dir == Path(".tourflow")
    assert (s.api_host, s.api_port, s.embedded_temporal_ui_port) == ("127.0.0.1", 8000, 8233)
    assert s.resolved_kms_key_file == Path(".tourflow").resolve() / "kms.key"


def test_prefixed_and_plain_variables_both_point_at_real_servers(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/plain")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal:7233")
    assert Settings().database_url == "postgresql://db/plain"
    monkeypatch.setenv("TOURFLOW_DATABASE_URL", "postgresql://db/prefixed")
    monkeypatch.setenv("TOURFLOW_TEMPORAL_NAMESPACE", "prod")
    s = Settings()
    assert s.database_url == "postgresql://db/prefixed"
    assert (s.temporal_address, s.temporal_namespace) == ("temporal:7233", "prod")
