"""There is no Docker engine here, so the compose file is checked by reading it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = {"tests", "bench"}  # not part of the runtime image


def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return doc


def test_compose_declares_the_production_topology():
    services = compose()["services"]
    assert {
        "postgres",
        "temporal",
        "temporal-ui",
        "tourflow-api",
        "tourflow-worker",
        "tourflow-migrate",
    } <= set(services)
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert services["temporal"]["environment"]["POSTGRES_SEEDS"] == "postgres"
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert "8233:8080" in services["temporal-ui"]["ports"]


def test_tourflow_services_point_at_the_compose_postgres_and_temporal():
    doc = compose()
    services = doc["services"]
    pg = services["postgres"]["environment"]
    for name in ("tourflow-api", "tourflow-worker", "tourflow-migrate"):
        service = services[name]
        env = service["environment"]
        url = make_url(env["TOURFLOW_DATABASE_URL"])
        assert (url.host, url.port, url.username, url.password, url.database) == (
            "postgres",
            5432,
            pg["POSTGRES_USER"],
            pg["POSTGRES_PASSWORD"],
            pg["POSTGRES_DB"],
        ), name
        host, port = env["TOURFLOW_TEMPORAL_ADDRESS"].split(":")
        assert host in services and port == "7233", name
        assert service["build"] == "."
        assert service["command"][0] == "tourflow"
    for name in ("tourflow-api", "tourflow-worker"):
        assert (
            services[name]["depends_on"]["tourflow-migrate"]["condition"]
            == "service_completed_successfully"
        )
    assert services["tourflow-api"]["environment"]["TOURFLOW_API_HOST"] == "0.0.0.0"
    assert "8000:8000" in services["tourflow-api"]["ports"]


def test_every_referenced_secret_and_volume_is_declared():
    doc = compose()
    for service in doc["services"].values():
        for secret in service.get("secrets", []):
            assert secret in doc["secrets"]
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in doc["volumes"]


def test_the_dockerfile_copies_every_package_the_image_needs():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for part in (
        "tourflow",
        "domain",
        "activities",
        "workflows",
        "api",
        "worker.py",
        "pyproject.toml",
    ):
        assert part in dockerfile, part
    packages = [
        p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in DEV_ONLY
    ]
    for package in packages:
        assert f"COPY {package} ./{package}" in dockerfile, f"Dockerfile misses package {package}"
