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


async def test_the_app_runs_its_lifespan_through_every_middleware(runtime, monkeypatch):
    """`tourflow api` builds the app without a runtime; the ASGI lifespan must set one up."""
    import asyncio
    from contextlib import asynccontextmanager

    import api.app as app_module

    @asynccontextmanager
    async def fake_resolve():
        yield runtime

    monkeypatch.setattr(app_module, "resolve_runtime", fake_resolve)
    app = app_module.create_app()
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    sent: list[str] = []

    async def receive():
        return await inbox.get()

    async def send(message):
        sent.append(message["type"])

    await inbox.put({"type": "lifespan.startup"})
    server = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    )
    for _ in range(500):
        if sent or server.done():
            break
        await asyncio.sleep(0.01)
    assert sent == ["lifespan.startup.complete"], server.exception() if server.done() else sent
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/readyz")).status_code == 200
    await inbox.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(server, 5)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
