"""The baselines for bench/ack.py: a bare Bolt app with one /llm listener that acks "ok", on one of
several single-process servers, so the bot is compared with the fastest bare Bolt measured in the same
run. Its Web API client points at the sandbox's Slack stand-in, as the bot's does (Bolt calls auth.test
once, on the first request). Usage: python bench/bare_app.py SERVER PORT SIGNING_SECRET THREADS
SLACK_API_URL BOT_TOKEN, SERVER one of SERVERS."""

from __future__ import annotations

import os
import sys
from pathlib import Path

SERVERS = {
    # name: (server, Bolt app, adapter)
    "waitress": ("waitress", "sync", "wsgi"),
    "llmbot-asyncio": ("llmbot", "sync", "wsgi"),  # the bot's own server (bot/http_server.py)
    "uvicorn-starlette-async": ("uvicorn", "async", "starlette"),
    "uvicorn-starlette-sync": ("uvicorn", "sync", "starlette"),
    "uvicorn-asgi-async": ("uvicorn", "async", "asgi"),
    "uvicorn-asgi-sync": ("uvicorn", "sync", "asgi"),
    "granian-wsgi": ("granian", "sync", "wsgi"),
    "bjoern": ("bjoern", "sync", "wsgi"),  # C, libev, one thread
    "granian-asgi-async": ("granian", "async", "asgi"),
    "granian-asgi-sync": ("granian", "sync", "asgi"),
}
ENV = ("BARE_SECRET", "BARE_API_URL", "BARE_TOKEN")


def answer() -> str:
    """ "ok", or "ok" padded to BARE_ANSWER_BYTES (to send as much as the bot's `/llm help` does)."""
    return "ok".ljust(int(os.environ.get("BARE_ANSWER_BYTES", "0")), ".")


def sync_bolt():
    from slack_bolt import App
    from slack_sdk import WebClient

    secret, api_url, token = (os.environ[k] for k in ENV)
    app = App(
        signing_secret=secret,
        client=WebClient(token=token, base_url=api_url),
        process_before_response=True,
        token_verification_enabled=False,
    )

    text = answer()

    @app.command("/llm")
    def on_llm(ack):
        ack(text)

    return app


def async_bolt():
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    secret, api_url, token = (os.environ[k] for k in ENV)
    app = AsyncApp(
        signing_secret=secret,
        client=AsyncWebClient(token=token, base_url=api_url),
        process_before_response=True,  # (AsyncApp never calls auth.test at start-up)
    )

    text = answer()

    @app.command("/llm")
    async def on_llm(ack):
        await ack(text)

    return app


def web_app(name: str):
    """The WSGI or ASGI callable for SERVERS[name] (also the factory granian's worker process calls)."""
    _, flavour, adapter = SERVERS[name]
    bolt = sync_bolt() if flavour == "sync" else async_bolt()
    if adapter == "wsgi":
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        return SlackRequestHandler(bolt)
    if adapter == "asgi":
        if flavour == "sync":
            from slack_bolt.adapter.asgi import SlackRequestHandler
        else:
            from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler as SlackRequestHandler
        return SlackRequestHandler(bolt)
    return _starlette(bolt, flavour)


def _starlette(bolt, flavour: str):
    from starlette.applications import Starlette
    from starlette.routing import Route

    if flavour == "sync":  # Bolt's sync Starlette adapter dispatches inside the event loop
        from slack_bolt.adapter.starlette import SlackRequestHandler
    else:
        from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler as SlackRequestHandler
    handler = SlackRequestHandler(bolt)

    async def events(request):
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"])])


def granian_factory():
    return web_app(os.environ["BARE_SERVER"])


def serve(name: str, port: int, threads: int) -> None:
    server = SERVERS[name][0]
    if server == "waitress":
        import waitress

        waitress.serve(web_app(name), host="127.0.0.1", port=port, threads=threads, ident="bare")
    elif server == "llmbot":
        from bot.http_server import main_server

        main_server(web_app(name), "127.0.0.1", port).run()
    elif server == "bjoern":
        import bjoern

        bjoern.run(web_app(name), "127.0.0.1", port)
    elif server == "uvicorn":
        import uvicorn

        uvicorn.run(
            web_app(name),
            host="127.0.0.1",
            port=port,
            loop="uvloop",
            http="httptools",
            log_level="warning",
            access_log=False,
        )
    else:
        from granian import Granian

        wsgi = SERVERS[name][2] == "wsgi"  # granian runs ASGI on one blocking thread
        Granian(
            "bare_app:granian_factory",
            factory=True,
            address="127.0.0.1",
            port=port,
            workers=1,
            interface="wsgi" if wsgi else "asgi",
            blocking_threads=threads if wsgi else 1,
            working_dir=Path(__file__).parent,
            log_level="warning",
        ).serve()


if __name__ == "__main__":
    server_name, port_arg, *values = sys.argv[1:7]
    secret_arg, threads_arg, api_url_arg, token_arg = values
    os.environ.update(
        BARE_SERVER=server_name, BARE_SECRET=secret_arg, BARE_API_URL=api_url_arg, BARE_TOKEN=token_arg
    )
    serve(server_name, int(port_arg), int(threads_arg))
