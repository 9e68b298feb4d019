"""The node side of a federated analysis: how a Remission registry answers one request (and the vantage6
plumbing :mod:`.algorithm` uses on both sides: :func:`registry_data`, :func:`vantage6_send`).

A request names a node part (``node_<name>`` of :mod:`.nonparametric`, :mod:`.table_one` or
:mod:`.regression`) and its keyword parameters. The node answers it with :func:`answer`:

1. **The analysis set.** In a vantage6 algorithm container the node reads the registry the task asked
   for: vantage6 names the requested databases in ``USER_REQUESTED_DATABASE_LABELS`` and gives each one's
   URI in ``<LABEL>_DATABASE_URI`` (from the node's configuration file); for Remission that URI is the
   registry's ``DATABASE_URL``. :func:`registry_frame` reads it through
   :func:`remission.analysis.load_analysis_set` — the same analysis set and endpoint rules as every other
   analysis, never the raw tables. Under vantage6's mock client the analysis set arrives as ``mock_data``.
2. **The rules.** :meth:`~.privacy.Privacy.from_environment`: the node's own settings, never the request's.
3. **The check** (:func:`check_reply`): nothing that looks row-level leaves (the rule is below).
4. **The audit** (:func:`audit_request`): one row in the node's own audit trail per answered request —
   action ``export``, entity ``federated.request``, format ``vantage6``, the SHA-256 of the reply as it
   travels (:func:`reply_sha256`), the request's parameters as the filters, the analysis set's row count,
   and the requesting party (:class:`Requester`: the vantage6 task, its job, the initiating organisation
   and user) in the reason.

**The reply check.** A reply must be plain JSON (objects with text keys, lists, numbers, text, true/false,
null; numbers may be NaN or infinite, as vantage6's JSON carries them), must not name a patient (no text in
it equals a ``registry_id`` of the analysis set), and no list or object in it may be *row-sized without an
axis that justifies it*: a container with at least as many entries as the analysis set has rows is refused
unless it is no longer than the longest list the request itself sent (an axis the central chose, such as the
union of the nodes' event times) or than the node's own time axis — the number of distinct times of the
request's ``time`` column after the node's rules, times the number of levels of its ``group``, ``event``,
``cause`` and ``status`` columns. It catches the usual leak, a column of the analysis set returned as a
list; it cannot tell a shorter list of row values from an aggregate. Under the default rules (``min_cell``
5) the time axis holds at most a fifth of the rows, so a per-row list is refused unless the request's level
columns have five or more combinations of levels; with ``min_cell`` 1 every distinct time may be one
patient's time and the time axis can be as long as the rows: the node's operator has switched the rules off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from remission.federated.privacy import Privacy, coarsen_times
from remission.federated.protocol import Reply, Send

REQUEST_ENTITY = "federated.request"
REQUEST_FORMAT = "vantage6"
LABELS_VARIABLE = "USER_REQUESTED_DATABASE_LABELS"
URI_VARIABLE = "{label}_DATABASE_URI"
LEVEL_PARAMETERS = ("group", "event", "cause", "status")  # columns whose levels multiply the time axis

NO_DATABASE = (
    "the task names no database ({variable} is empty or unset): create the task with the node's "
    "Remission registry, e.g. databases=[{{'label': 'remission'}}]"
)
NO_URI = "the node has no database {label!r} ({variable} is unset): check the node's configuration file"
NOT_JSON = "reply of node part {part!r}: {path} holds a {kind}, which is not plain JSON"
ROW_SIZED = (
    "reply of node part {part!r} refused: {path} has {size} entries for an analysis set of {rows} rows, "
    "longer than the request's axis ({axis}) and the node's time axis ({times}): that is row-level output"
)
UNKNOWN_PART = "no node part {part!r}: a Remission node answers only {known}"
RESERVED_PARAMETERS = frozenset({"frame", "privacy", "min_cell", "time_grid_days"})
RULES_NOT_ASKED = (
    "a request cannot set {names}: the analysis set and the privacy rules are the node's own "
    "(its registry and its environment)"
)
NOT_MOCK_DATA = "mock_data is for vantage6's mock client only: a task's input cannot supply the analysis set"
NOT_A_CLIENT = "the requester cannot be read from a {kind}: a task's input cannot supply the vantage6 client"
NAMES_PATIENT = "reply of node part {part!r} refused: {path} names a patient of the registry"


class ReplyRefused(ValueError):
    """A reply that fails :func:`check_reply`: it does not leave the node."""


class UnknownPart(ValueError):
    """A request for a node part the node does not have."""


# --- who asks ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requester:
    """The party behind a request, as vantage6 records it: the task (and its job and parent task), the
    organisation and user who created it, the collaboration. ``None`` where the client does not say."""

    source: str
    task_id: int | None = None
    job_id: int | None = None
    parent_task_id: int | None = None
    organization_id: int | None = None
    user_id: int | None = None
    collaboration_id: int | None = None

    def words(self) -> str:
        """The requester in one line, for the audit row's reason."""
        parts = [f"federated request via {self.source}"]
        for label, value in (
            ("task", self.task_id),
            ("job", self.job_id),
            ("parent task", self.parent_task_id),
            ("organisation", self.organization_id),
            ("user", self.user_id),
            ("collaboration", self.collaboration_id),
        ):
            if value is not None:
                parts.append(f"{label} {value}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "task_id": self.task_id,
            "job_id": self.job_id,
            "parent_task_id": self.parent_task_id,
            "organization_id": self.organization_id,
            "user_id": self.user_id,
            "collaboration_id": self.collaboration_id,
        }


def _linked_id(value: object) -> int | None:
    """The id of a vantage6 link (``{"id": 3, "link": ...}``) or a bare id; None otherwise."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _token_task_id(client: Any) -> int | None:
    """The task id in a real algorithm client's container token (vantage6 puts it in the token's
    ``sub``); None for a client without a token (the mock client)."""
    token = getattr(client, "_access_token", None)
    if not isinstance(token, str):
        return None
    import jwt

    payload = jwt.decode(token, options={"verify_signature": False})
    return _linked_id(payload.get("sub", {}).get("task_id"))


def requester_from_client(client: Any) -> Requester:
    """Who asked, from the vantage6 client the node's run was given.

    A real node: the task id is in the container token; the server's task record names the initiating
    organisation (``init_org``), the user (``init_user``; for a subtask, vantage6 copies the parent's user)
    and the parent task, whose ``init_org`` is the researcher's organisation. The mock client records a
    task only after all its runs have ended (and ``task.get(i)`` answers ``tasks[i]``), so a run cannot look
    its own task up there; the node records what the mock will record — the next task id, user 1, and the
    organisation of the client that created the task (the first of the mock's organisations).
    """
    if not hasattr(client, "task"):  # e.g. a "mock_client" sent in a task's JSON input
        raise TypeError(NOT_A_CLIENT.format(kind=type(client).__name__))
    collaboration = _linked_id(getattr(client, "collaboration_id", None))
    task_id = _token_task_id(client)
    if task_id is None:  # the mock client
        organisations = list(getattr(client, "all_organization_ids", []) or [])
        return Requester(
            source="vantage6 mock client",
            task_id=len(getattr(client, "tasks", [])) + 1,
            organization_id=_linked_id(organisations[0]) if organisations else None,
            user_id=1,
            collaboration_id=collaboration,
        )
    try:
        task = client.task.get(task_id)
    except Exception:  # the server unreachable: the audit still names the task
        task = {}
    parent_id = _linked_id(task.get("parent"))
    organisation = _linked_id(task.get("init_org"))
    if parent_id is not None:
        with contextlib.suppress(Exception):
            organisation = _linked_id(client.task.get(parent_id).get("init_org")) or organisation
    return Requester(
        source="vantage6",
        task_id=task_id,
        job_id=_linked_id(task.get("job_id")),
        parent_task_id=parent_id,
        organization_id=organisation,
        user_id=_linked_id(task.get("init_user")),
        collaboration_id=collaboration,
    )


# --- the analysis set --------------------------------------------------------------------------------------


def registry_url(environ: Mapping[str, str] | None = None) -> str:
    """The ``DATABASE_URL`` of the registry the task asked for: the first requested database label's URI."""
    environ = os.environ if environ is None else environ
    labels = [label.strip() for label in environ.get(LABELS_VARIABLE, "").split(",") if label.strip()]
    if not labels:
        raise LookupError(NO_DATABASE.format(variable=LABELS_VARIABLE))
    variable = URI_VARIABLE.format(label=labels[0].upper())
    uri = environ.get(variable, "").strip()
    if not uri:
        raise LookupError(NO_URI.format(label=labels[0], variable=variable))
    return uri


def registry_frame(environ: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The node's analysis set, read from its registry through :mod:`remission.analysis`."""
    from remission.analysis.dataset import load_analysis_set

    return load_analysis_set(database_url=registry_url(environ)).frame


# --- the check ---------------------------------------------------------------------------------------------


def _longest_list(value: object) -> int:
    """The length of the longest list anywhere in ``value`` (the request's parameters)."""
    if isinstance(value, list | tuple):
        return max([len(value), *(_longest_list(v) for v in value)])
    if isinstance(value, Mapping):
        return max([0, *(_longest_list(v) for v in value.values())])
    return 0


def time_axis(frame: pd.DataFrame, privacy: Privacy, parameters: Mapping[str, Any]) -> int:
    """The node's own axis for this request: distinct times of the ``time`` column after the node's rules
    (1 without one) times the number of levels (missing counted as one) of each of the ``group``,
    ``event``, ``cause`` and ``status`` columns the request names."""
    size = 1
    column = parameters.get("time")
    if isinstance(column, str) and column in frame.columns:
        times = pd.to_numeric(frame[column], errors="coerce").dropna().to_numpy(dtype=np.float64)
        size = max(1, int(np.unique(coarsen_times(times, privacy)).size))
    for name in LEVEL_PARAMETERS:
        column = parameters.get(name)
        if isinstance(column, str) and column in frame.columns:
            size *= max(1, int(frame[column].nunique(dropna=False)))
    return size


def check_reply(
    reply: object, *, part: str, frame: pd.DataFrame, privacy: Privacy, parameters: Mapping[str, Any]
) -> None:
    """Raise :class:`ReplyRefused` unless ``reply`` may leave the node (the rule: module notes)."""
    rows = len(frame)
    axis = _longest_list(dict(parameters))
    times = time_axis(frame, privacy, parameters)
    ids: set[str] = set()
    if "registry_id" in frame.columns:
        ids = {str(v) for v in frame["registry_id"].dropna()}

    def visit(value: object, path: str) -> None:
        if value is None or isinstance(value, bool):
            return
        if isinstance(value, str):
            if value in ids:
                raise ReplyRefused(NAMES_PATIENT.format(part=part, path=path))
            return
        if isinstance(value, int | float):  # NaN and infinities too: a fit's overflow at a trial step
            return  # carries no row value, and the central's step halving must see it
        if isinstance(value, list | Mapping):
            size = len(value)
            if rows and size >= rows and size > max(axis, times):
                raise ReplyRefused(
                    ROW_SIZED.format(part=part, path=path, size=size, rows=rows, axis=axis, times=times)
                )
            if isinstance(value, Mapping):
                for key, item in value.items():
                    if not isinstance(key, str):
                        raise ReplyRefused(
                            NOT_JSON.format(part=part, path=f"{path} key", kind="non-text key")
                        )
                    visit(key, f"{path} key {key[:20]!r}")
                    visit(item, f"{path}.{key}")
            else:
                for index, item in enumerate(value):
                    visit(item, f"{path}[{index}]")
            return
        raise ReplyRefused(NOT_JSON.format(part=part, path=path, kind=type(value).__name__))

    visit(reply, "reply")


# --- the audit ---------------------------------------------------------------------------------------------


def reply_text(reply: Reply) -> bytes:
    """The reply as it travels: compact JSON, UTF-8 (the text :func:`~.protocol.reply_bytes` counts)."""
    return json.dumps(reply, separators=(",", ":")).encode("utf-8")


def reply_sha256(reply: Reply) -> str:
    return hashlib.sha256(reply_text(reply)).hexdigest()


def audit_request(
    *, part: str, parameters: Mapping[str, Any], reply: Reply, rows: int, requester: Requester
) -> Any:
    """Leave the audit row of one answered request in the node's registry (Django must be running on it);
    return the :class:`~remission.registry.models.AuditRecord`."""
    from remission.registry.access import SYSTEM
    from remission.registry.services.exports import export_audit

    return export_audit(
        actor=SYSTEM,
        entity=REQUEST_ENTITY,
        file_format=REQUEST_FORMAT,
        file_name=part,
        sha256=reply_sha256(reply),
        scope="all centres",
        filters={"part": part, "parameters": dict(parameters), "requester": requester.to_dict()},
        row_counts={"analysis_set": rows},
        reason=requester.words(),
    )


# --- the answer --------------------------------------------------------------------------------------------

Auditor = Callable[..., Any]


def answer(
    frame: pd.DataFrame,
    part: str,
    parameters: Mapping[str, Any],
    *,
    nodes: Mapping[str, Callable[..., Reply]],
    privacy: Privacy,
    requester: Requester,
    audit: Auditor | None = audit_request,
) -> Reply:
    """Run node part ``part`` (one of ``nodes``) on ``frame`` under ``privacy``, check the reply, audit it
    (``audit`` None: no registry to audit in, e.g. mock data), and return it as it travels (through JSON)."""
    if part not in nodes:
        raise UnknownPart(UNKNOWN_PART.format(part=part, known=", ".join(sorted(nodes))))
    reserved = sorted(RESERVED_PARAMETERS & set(parameters))
    if reserved:
        raise ValueError(RULES_NOT_ASKED.format(names=", ".join(reserved)))
    reply = nodes[part](frame, privacy, **dict(parameters))
    reply = json.loads(reply_text(reply))  # as it travels: numpy numbers become plain ones
    check_reply(reply, part=part, frame=frame, privacy=privacy, parameters=parameters)
    if audit is not None:
        audit(part=part, parameters=parameters, reply=reply, rows=len(frame), requester=requester)
    return reply


# --- the vantage6 plumbing (used by :mod:`.algorithm`) --------------------------------------------------

NODE_FAILED = "organisation {organisation}'s node returned no result for {part!r} (task {task}): see its log"


def node_parts() -> dict[str, Callable[..., Reply]]:
    """Every node part a Remission node answers: the union of the three modules' ``NODE_PARTS``."""
    from remission.federated import nonparametric, regression, table_one

    parts: dict[str, Callable[..., Reply]] = {}
    for module in (nonparametric, table_one, regression):
        parts.update(module.NODE_PARTS)
    return parts


def registry_data(function: Callable[..., Any]) -> Callable[..., Any]:
    """Like vantage6's ``@data``, but the node's frame is its Remission analysis set.

    The mock client passes ``mock_data`` (a list with the node's analysis set) to functions marked
    ``wrapped_in_data_decorator``; in a node's container there is no ``mock_data`` and the analysis set is
    read from the registry the task named (:func:`remission.federated.node.registry_frame`). The function
    gets the frame first and ``from_registry`` (True when it read the registry itself)."""

    @functools.wraps(function)
    def with_frame(*args: Any, mock_data: list[pd.DataFrame] | None = None, **kwargs: Any) -> Any:
        if mock_data is not None:
            if not mock_data or not isinstance(mock_data[0], pd.DataFrame):  # sent in a task's JSON input
                raise ValueError(NOT_MOCK_DATA)
            return function(mock_data[0], *args, from_registry=False, **kwargs)
        return function(registry_frame(), *args, from_registry=True, **kwargs)

    with_frame.wrapped_in_data_decorator = True  # type: ignore[attr-defined]
    return with_frame


def vantage6_send(client: Any, organizations: list[int] | None) -> Send:
    """A :data:`~remission.federated.protocol.Send` over vantage6: one subtask per request at
    ``organizations`` (default every organisation of the collaboration), the replies in the order vantage6
    returns them; the parameters travel as JSON (as vantage6 serialises them)."""
    if organizations is None:
        organizations = [int(o["id"]) for o in client.organization.list()]
    chosen = [int(o) for o in organizations]

    def send(name: str, parameters: Mapping[str, Any]) -> list[Reply]:
        kwargs = {"part": name, "parameters": json.loads(json.dumps(dict(parameters)))}
        task = client.task.create(
            input_={"method": "partial", "kwargs": kwargs},
            organizations=chosen,
            name=f"remission {name}",
            description=f"Remission federated node part {name}",
        )
        replies = client.wait_for_results(task_id=task["id"])
        for organisation, reply in zip(chosen, replies, strict=False):
            if not isinstance(reply, dict):
                raise RuntimeError(NODE_FAILED.format(organisation=organisation, part=name, task=task["id"]))
        if len(replies) != len(chosen):
            raise RuntimeError(
                f"{len(replies)} of {len(chosen)} nodes answered {name!r} (task {task['id']}): see their logs"
            )
        return replies

    return send
