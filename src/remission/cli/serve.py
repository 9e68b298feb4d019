"""``remission serve``: serve the web application."""

from __future__ import annotations

import argparse

from remission.cli._django import setup_django


def serve(host: str, port: int) -> None:
    from django.core.management import call_command

    call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)


def run(args: argparse.Namespace) -> int:
    setup_django()
    serve(args.host, args.port)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="serve the web application")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.set_defaults(func=run)
