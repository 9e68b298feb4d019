"""The node side (remission.federated.node): its rules from its environment, who asked, the reply check and
the audit row each answered request leaves in the node's own registry."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import jwt
import numpy as np
import pandas as pd
import pytest
from vantage6.algorithm.tools.mock_client import MockAlgorithmClient

from remission.federated import algorithm, node
from remission.federated.nonparametric import NODE_PARTS as EVENT_PARTS
from remission.federated.privacy import DEFAULT_MIN_CELL, EXACT, GRID_VARIABLE, MIN_CELL_VARIABLE, Privacy
from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord

MODULE = "remission.federated.algorithm"


def _frame(n: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "registry_id": [f"N-{i:03d}" for i in range(n)],
            "age": np.round(rng.uniform(20.0, 60.0, n), 1),
            "sex": rng.choice(["female", "male"], n).astype(object),
            "os_days": rng.integers(1, 4000, n).astype(float),
            "os_event": rng.integers(0, 2, n),
        }
    )


# --- the rules, from the node's environment ----------------------------------------------------------------


def test_rules_default_when_the_environment_says_nothing() -> None:
    assert Privacy.from_environment({}) == Privacy(min_cell=DEFAULT_MIN_CELL, time_grid_days=None)
    assert Privacy.from_environment({MIN_CELL_VARIABLE: " ", GRID_VARIABLE: ""}).min_cell == 5


def test_rules_from_the_environment() -> None:
    rules = Privacy.from_environment({MIN_CELL_VARIABLE: "10", GRID_VARIABLE: "30"})
    assert (rules.min_cell, rules.time_grid_days, rules.exact) == (10, 30.0, False)
    assert Privacy.from_environment({MIN_CELL_VARIABLE: "1"}).exact


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (MIN_CELL_VARIABLE, "0", "minimum cell count must be a whole number >= 1"),
        (MIN_CELL_VARIABLE, "five", "minimum cell count must be a whole number >= 1"),
        (MIN_CELL_VARIABLE, "2.5", "minimum cell count must be a whole number >= 1"),
        (GRID_VARIABLE, "-7", "time grid must be a number of days > 0"),
        (GRID_VARIABLE, "weekly", "time grid must be a number of days > 0"),
        (GRID_VARIABLE, "inf", "time grid must be a number of days > 0"),
    ],
)
def test_bad_rules_give_a_clear_error_naming_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        Privacy.from_environment({variable: value})
    assert variable in str(error.value) and repr(value) in str(error.value)


def test_the_node_entry_point_reads_its_rules_from_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _frame()
    client = MockAlgorithmClient(datasets=[[{"database": frame}]], module=MODULE)
    parameters = {"time": "os_days", "status": "os_event"}
    monkeypatch.setenv(MIN_CELL_VARIABLE, "7")
    reply = algorithm.partial(
        mock_client=client, mock_data=[frame], part="event_table", parameters=parameters
    )
    assert reply["privacy"] == {"min_cell": 7, "time_grid_days": None}
    assert all(sum(map(sum, level["counts"])) >= 7 for level in reply["levels"])
    counts = [sum(row) for level in reply["levels"] for row in level["counts"]]
    assert min(counts) >= 7  # every reported time holds at least min_cell rows
    with pytest.raises(ValueError, match="a request cannot set privacy"):
        algorithm.partial(
            mock_client=client,
            mock_data=[frame],
            part="event_table",
            parameters={**parameters, "privacy": {"min_cell": 1}},
        )
    monkeypatch.setenv(MIN_CELL_VARIABLE, "-1")
    with pytest.raises(ValueError, match=MIN_CELL_VARIABLE):
        algorithm.partial(mock_client=client, mock_data=[frame], part="event_table", parameters=parameters)


def test_a_task_input_cannot_stand_in_for_the_data_or_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """vantage6's wrapper passes a task's JSON kwargs straight to the method: the mock client's reserved
    keywords, sent that way, are refused (the node would otherwise not read its registry, or audit a
    made-up requester)."""
    frame = _frame()
    monkeypatch.setattr(node, "registry_frame", lambda environ=None: frame)
    client = MockAlgorithmClient(datasets=[[{"database": frame}]], module=MODULE)
    parameters = {"time": "os_days", "status": "os_event"}
    with pytest.raises(ValueError, match="mock_data is for vantage6's mock client only"):
        algorithm.partial(
            mock_client=client, mock_data=[{"os_days": [1]}], part="event_table", parameters=parameters
        )
    with pytest.raises(TypeError, match="cannot be read from a dict"):
        algorithm.partial(mock_client={"id": 1}, part="event_table", parameters=parameters)


# --- the registry the task names ---------------------------------------------------------------------------


def test_the_registry_is_the_first_requested_database() -> None:
    environ = {
        "USER_REQUESTED_DATABASE_LABELS": "remission,other",
        "REMISSION_DATABASE_URI": "postgres://node@db:5432/remission",
        "OTHER_DATABASE_URI": "/mnt/other.csv",
    }
    assert node.registry_url(environ) == "postgres://node@db:5432/remission"


def test_no_requested_database_or_no_uri_is_a_clear_error() -> None:
    with pytest.raises(LookupError, match="the task names no database"):
        node.registry_url({})
    with pytest.raises(LookupError, match=r"no database 'remission' .REMISSION_DATABASE_URI is unset."):
        node.registry_url({"USER_REQUESTED_DATABASE_LABELS": "remission"})


# --- who asked ---------------------------------------------------------------------------------------------


def test_requester_under_the_mock_client_is_what_the_mock_records() -> None:
    client = MockAlgorithmClient(
        datasets=[[{"database": _frame()}]] * 2, module=MODULE, organization_ids=[4, 9]
    )
    who = node.requester_from_client(client)
    assert (who.source, who.task_id, who.organization_id, who.user_id) == ("vantage6 mock client", 1, 4, 1)
    client.task.create(
        input_={"method": "kaplan_meier", "kwargs": {"time": "os_days", "event": "os_event"}},
        organizations=[4],
    )
    assert client.tasks[0]["init_org"]["id"] == 4 and client.tasks[0]["init_user"]["id"] == 1
    assert node.requester_from_client(client).task_id == 2


class _Tasks:
    def __init__(self, tasks: dict[int, dict[str, Any]]) -> None:
        self.tasks = tasks

    def get(self, task_id: int) -> dict[str, Any]:
        return self.tasks[task_id]


class _RealClient:
    """What a node's algorithm client holds: its container token and the server's task records."""

    def __init__(self, tasks: dict[int, dict[str, Any]]) -> None:
        self._access_token = jwt.encode(
            {"sub": {"task_id": 12, "node_id": 3}},
            "a node's key, not checked by the client: 32+ bytes",
            algorithm="HS256",
        )
        self.collaboration_id = 5
        self.task = _Tasks(tasks)


def test_requester_in_a_node_is_read_from_the_server_task_and_its_parent() -> None:
    client = _RealClient(
        {
            12: {"id": 12, "job_id": 40, "parent": {"id": 11}, "init_org": {"id": 2}, "init_user": {"id": 9}},
            11: {"id": 11, "job_id": 40, "parent": None, "init_org": {"id": 6}, "init_user": {"id": 9}},
        }
    )
    who = node.requester_from_client(client)
    assert who == node.Requester(
        "vantage6", 12, 40, 11, 6, 9, 5
    )  # the researcher's organisation: the parent's
    assert "task 12; job 40; parent task 11; organisation 6; user 9; collaboration 5" in who.words()


# --- the reply check ---------------------------------------------------------------------------------------


def _rows_reply(frame: pd.DataFrame, privacy: Privacy, **_: Any) -> dict[str, Any]:
    return {"ages": frame["age"].tolist()}  # a column of the analysis set: row-level


def _count_reply(frame: pd.DataFrame, privacy: Privacy, **_: Any) -> dict[str, Any]:
    return {"n": len(frame), "mean_age": float(frame["age"].mean())}


def test_a_row_level_reply_is_refused() -> None:
    frame = _frame()
    with pytest.raises(node.ReplyRefused, match=r"reply.ages has 60 entries for an analysis set of 60 rows"):
        node.answer(
            frame,
            "rows",
            {},
            nodes={"rows": _rows_reply},
            privacy=Privacy(),
            requester=node.Requester("t"),
            audit=None,
        )


def test_a_row_level_list_is_refused_even_beside_a_time_axis() -> None:
    frame = _frame()
    parameters = {"time": "os_days", "status": "os_event"}
    with pytest.raises(node.ReplyRefused, match="row-level output"):
        node.check_reply(
            {"times": sorted(set(frame["os_days"]))[:5], "ages": frame["age"].tolist()},
            part="x",
            frame=frame,
            privacy=Privacy(),
            parameters=parameters,
        )


def test_a_reply_naming_a_patient_or_holding_what_json_cannot_carry_is_refused() -> None:
    frame = _frame()
    for reply, message in (
        ({"first": "N-007"}, "names a patient"),
        ({"when": pd.Timestamp("2020-01-01")}, "not plain JSON"),
    ):
        with pytest.raises(node.ReplyRefused, match=message):
            node.check_reply(reply, part="x", frame=frame, privacy=Privacy(), parameters={})


def test_aggregates_pass_under_default_and_exact_rules() -> None:
    frame = _frame()
    parameters = {"time": "os_days", "status": "os_event", "group": "sex"}
    for privacy in (Privacy(), EXACT):
        reply = node.answer(
            frame,
            "event_table",
            parameters,
            nodes=EVENT_PARTS,
            privacy=privacy,
            requester=node.Requester("t"),
            audit=None,
        )
        assert reply["n_reported"] == len(frame)
    answer = node.answer(
        frame,
        "count",
        {},
        nodes={"count": _count_reply},
        privacy=Privacy(),
        requester=node.Requester("t"),
        audit=None,
    )
    assert answer == {"n": 60, "mean_age": pytest.approx(frame["age"].mean())}


# --- the audit ---------------------------------------------------------------------------------------------


def test_each_answered_request_is_audited_with_the_requester_and_the_replys_sha256(db: None) -> None:
    frame = _frame()
    parameters = {"time": "os_days", "status": "os_event", "group": "sex"}
    who = node.Requester("vantage6", task_id=12, job_id=40, parent_task_id=11, organization_id=6, user_id=9)
    reply = node.answer(frame, "event_table", parameters, nodes=EVENT_PARTS, privacy=EXACT, requester=who)
    row = AuditRecord.objects.order_by("-sequence").first()
    assert row is not None
    assert (row.action, row.entity, row.actor_id) == (AuditAction.EXPORT, "federated.request", None)
    travelled = json.dumps(reply, separators=(",", ":")).encode("utf-8")
    assert row.after["sha256"] == hashlib.sha256(travelled).hexdigest()
    assert row.after["format"] == "vantage6" and row.after["file"] == "event_table"
    assert row.after["filters"]["parameters"] == parameters
    assert row.after["filters"]["requester"]["organization_id"] == 6
    assert row.after["row_counts"] == {"analysis_set": 60}
    assert "organisation 6" in row.reason and "user 9" in row.reason and "task 12" in row.reason


def test_a_refused_reply_is_not_audited(db: None) -> None:
    before = AuditRecord.objects.count()
    with pytest.raises(node.ReplyRefused):
        node.answer(
            _frame(),
            "rows",
            {},
            nodes={"rows": _rows_reply},
            privacy=Privacy(),
            requester=node.Requester("t"),
        )
    assert AuditRecord.objects.count() == before


def test_the_node_entry_point_audits_when_it_read_its_registry(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``mock_data``: the entry point reads the registry the task names (here the test registry's
    analysis set is stood in for) and audits there; with ``mock_data`` it has no registry to audit in."""
    frame = _frame(80)
    monkeypatch.setattr(node, "registry_frame", lambda environ=None: frame)
    monkeypatch.setenv(MIN_CELL_VARIABLE, "5")
    client = MockAlgorithmClient(datasets=[[{"database": frame}]], module=MODULE, organization_ids=[3])
    parameters = {"time": "os_days", "status": "os_event"}
    before = AuditRecord.objects.count()
    algorithm.partial(mock_client=client, mock_data=[frame], part="event_table", parameters=parameters)
    assert AuditRecord.objects.count() == before
    reply = algorithm.partial(mock_client=client, part="event_table", parameters=parameters)
    row = AuditRecord.objects.order_by("-sequence").first()
    assert AuditRecord.objects.count() == before + 1 and row is not None
    assert (
        row.after["sha256"] == hashlib.sha256(json.dumps(reply, separators=(",", ":")).encode()).hexdigest()
    )
    assert row.after["row_counts"] == {"analysis_set": 80}
    assert "vantage6 mock client" in row.reason and "organisation 3" in row.reason
