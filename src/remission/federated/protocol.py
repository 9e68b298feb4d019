"""How the central part of a federated analysis talks to the nodes, independent of vantage6.

A central part is a plain function that takes a :data:`Send`: ``send(name, parameters)`` runs the node part
``name`` at every node with the keyword ``parameters`` and returns the nodes' replies, one dict per node in a
fixed order. vantage6 supplies one :data:`Send` (a subtask per request, :mod:`remission.federated.algorithm`);
the tests supply another that calls the node parts directly on in-memory analysis sets. A reply is JSON:
lists of numbers and strings, never a row of the registry.

A node part is ``node_<name>(frame, privacy, **parameters) -> dict``: ``frame`` is the node's analysis set
(:mod:`remission.analysis`), ``privacy`` the node's own :class:`~remission.federated.privacy.Privacy`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from remission.federated.privacy import Privacy

Reply = dict[str, Any]
Send = Callable[[str, Mapping[str, Any]], list[Reply]]
NO_COLUMN = "the analysis set has no column {column!r} (node part {part!r}); it has: {known}"


def require_columns(frame: pd.DataFrame, columns: Sequence[str], part: str) -> None:
    """Raise a clear error naming the first column the node's analysis set lacks."""
    for column in columns:
        if column not in frame.columns:
            known = ", ".join(sorted(map(str, frame.columns)))
            raise ValueError(NO_COLUMN.format(column=column, part=part, known=known))


def reply_bytes(reply: Reply) -> int:
    """The size of a reply as it travels (its JSON text, UTF-8)."""
    return len(json.dumps(reply, separators=(",", ":")).encode("utf-8"))


def local_send(
    frames: Sequence[pd.DataFrame], nodes: Mapping[str, Callable[..., Reply]], privacy: Privacy
) -> Send:
    """A :data:`Send` that runs the node parts (``nodes``: name -> node function) on ``frames`` in this
    process, each reply passed through JSON as it would travel; for tests and the pooled comparisons."""

    def send(name: str, parameters: Mapping[str, Any]) -> list[Reply]:
        part = nodes[name]
        return [json.loads(json.dumps(part(frame, privacy, **dict(parameters)))) for frame in frames]

    return send
