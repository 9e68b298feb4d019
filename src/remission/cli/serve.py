"""``remission serve``: serve the web application with waitress, a multi-threaded production WSGI server.

One process, ``--threads`` worker threads (each request runs on one of them; database connections are
per thread and kept for ``conn_max_age`` seconds). Each answer carries a ``Server-Timing`` header with
the time spent in the application (``benchmarks/web.py`` reads it). Static files (the style sheet and
scripts, the API docs' assets) are served under ``/static/`` by WhiteNoise, a middleware of the
application (settings ``MIDDLEWARE``), with caching headers.

On the base settings without ``SECRET_KEY`` in the environment the server signs sessions with the
installation's own key (``<REMISSION_DATA_DIR>/secret_key``, made on first use with mode 0600:
``remission.settings.secret_key``); it logs to stderr and ``<REMISSION_DATA_DIR>/logs/remission.log``
(``remission.logs``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from remission.cli._django import require_registry
from remission.settings.startup import start_django

DEFAULT_THREADS = 8
# A client that sends nothing for this long is dropped; a slow report is computed while the
# connection waits, so this is not a limit on a page's computing time.
CHANNEL_TIMEOUT_SECONDS = 120
CONNECTION_LIMIT = 200


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def with_server_timing(app: WsgiApp) -> WsgiApp:
    """``app`` answering with a ``Server-Timing: app;dur=<ms>`` header: the time from the request reaching
    the application to its response being ready (a client's latency minus this is waiting and network)."""

    def timed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            elapsed_ms = (time.perf_counter() - started) * 1000
            return start_response(
                status, [*headers, ("Server-Timing", f"app;dur={elapsed_ms:.1f}")], exc_info
            )

        return app(environ, start)

    return timed


def build_server(host: str, port: int, threads: int = DEFAULT_THREADS) -> Any:
    """The waitress server for the Django application, bound to ``host:port`` but not yet serving.

    ``server.run()`` serves until interrupted; ``server.close()`` releases the port.
    """
    from waitress.server import create_server

    from remission.wsgi import application

    return create_server(
        with_server_timing(application),
        host=host,
        port=port,
        threads=threads,
        channel_timeout=CHANNEL_TIMEOUT_SECONDS,
        connection_limit=CONNECTION_LIMIT,
        ident="remission",
    )


def serve(host: str, port: int, threads: int = DEFAULT_THREADS) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM)."""
    server = build_server(host, port, threads)
    print(f"Serving on http://{host}:{port}/ with waitress ({threads} threads); Ctrl-C stops.", flush=True)
    print(f"Log: {_log_path()}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _log_path() -> str:
    from django.conf import settings

    handler = settings.LOGGING.get("handlers", {}).get("file", {})
    return handler.get("filename", "stderr only")


def run(args: argparse.Namespace) -> int:
    start_django()
    from django.core.exceptions import ImproperlyConfigured

    if not require_registry("serve"):
        return 2
    try:
        serve(args.host, args.port, args.threads)
    except ImproperlyConfigured as exc:  # production settings refusing to start (remission/wsgi.py)
        print(f"remission serve: {exc}", file=sys.stderr)
        return 2
    return 0


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """``--host``, ``--port`` and ``--threads``, shared by ``serve`` and ``demo``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"worker threads answering requests (default {DEFAULT_THREADS})",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="serve the web application (waitress)")
    add_server_options(parser)
    parser.set_defaults(func=run)
