"""The ``remission`` command line.

Each sub-command lives in its own module in this package and exposes
``register(subparsers) -> None``, which adds its parser and sets ``func`` to a
callable taking the parsed ``argparse.Namespace`` and returning an exit code.
The plan (docs/architecture.md) once named a single ``cli.py``; a package keeps each
command small and lets the clinical, registry and report commands be written
independently.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

# Sub-command modules, in the order ``remission --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "serve",
    "migrate",
    "accounts",
    "tokens",
    "check",
    "screen",
    "synth",
    "report",
    "compare",
    "export",
    "fhir",
    "redcap",
    "imports",
    "audit",
    "backup",
    "quality",
    "model",
    "federated",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="remission",
        description="Registry, decision support and outcomes analysis for HSCT and cell therapy "
        "in autoimmune disease.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"remission.cli.{name}")
        except ModuleNotFoundError as exc:  # a command whose module is not written yet
            if exc.name != f"remission.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)
