import httpx

from api.app import create_app
from tourflow.embedded import free_port
from tourflow.temporal import TemporalClientProvider


async def test_healthz_answers_without_credentials(http):
    r = await http.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})


async def test_readyz_is_200_when_the_database_and_temporal_both_answer(http):
    r = await http.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "checks": {"database": "ok", "temporal": "ok"}}


async def test_readyz_is_503_and_names_temporal_when_temporal_is_unreachable(runtime):
    runtime.temporal = TemporalClientProvider(f"127.0.0.1:{free_port()}", "default")
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["temporal"].startswith("unavailable: Temporal is not reachable")


async def test_openapi_docs_are_served_and_declare_bearer_auth(http):
    assert (await http.get("/docs")).status_code == 200
    spec = (await http.get("/openapi.json")).json()
    assert "/v1/me" in spec["paths"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
