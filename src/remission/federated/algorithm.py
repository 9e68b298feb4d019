"""The vantage6 algorithm: the module vantage6's wrapper runs in the algorithm container (``PKG_NAME``).

A researcher creates a task whose ``method`` is one of the central entry points below, with its keyword
arguments; the container that runs it creates one subtask per round of the analysis at the chosen
organisations (default: every organisation of the collaboration), each with method :func:`partial` and
``kwargs`` ``{"part": <node part>, "parameters": {...}}``, waits for the replies and combines them with
the central parts of :mod:`.nonparametric`, :mod:`.table_one` and :mod:`.regression`. The result is the
central part's ``to_dict()``.

=====================  ======================================================================================
method                 keyword arguments (columns of the analysis set)
=====================  ======================================================================================
``kaplan_meier``       ``time``, ``event``, ``group`` (optional)
``aalen_johansen``     ``time``, ``cause``, ``group`` (optional)
``logrank``            ``time``, ``event``, ``group``
``gray_test``          ``time``, ``cause``, ``group``
``table_one``          ``variables``, ``group`` (optional)
``cox``                ``time``, ``event``, ``covariates``, ``ties``, ``strata_by_node``, ``reference``
``fine_gray``          ``time``, ``cause``, ``cause_of_interest``, ``covariates``, ``reference``, ``variance``
=====================  ======================================================================================

Each also takes ``organizations`` (a list of vantage6 organisation ids; default all in the collaboration).

:func:`partial` is the one node entry point. It answers only the node parts the three modules list in their
``NODE_PARTS``; anything else is refused with an error naming what a node answers. vantage6's wrapper calls
any function this module holds by name, so the module's namespace holds the entry points and nothing else
callable (the rest is reached through module objects, which cannot be called; the plumbing lives in
:mod:`.node`).
"""

from __future__ import annotations

import os as _os
from typing import TYPE_CHECKING

from vantage6.algorithm.tools import decorators as _decorators

from remission.federated import node as _node

if TYPE_CHECKING:  # names for the annotations only: the module's namespace stays free of callables
    from collections.abc import Mapping
    from typing import Any

    import pandas as pd

    from remission.federated.protocol import Reply

__all__ = [
    "aalen_johansen",
    "cox",
    "fine_gray",
    "gray_test",
    "kaplan_meier",
    "logrank",
    "partial",
    "table_one",
]

UNKNOWN_PART = _node.UNKNOWN_PART


@_decorators.algorithm_client
@_node.registry_data
def partial(
    frame: pd.DataFrame,
    client: Any,
    *,
    part: str,
    parameters: Mapping[str, Any] | None = None,
    from_registry: bool = False,
) -> Reply:
    """The node entry point: answer node part ``part`` with ``parameters`` on this node's analysis set,
    under the node's own privacy rules (its environment), checked and — when the node read its registry —
    audited there with the requesting party (:func:`remission.federated.node.answer`)."""
    from remission.federated.privacy import Privacy

    parts = _node.node_parts()
    if part not in parts:
        raise _node.UnknownPart(UNKNOWN_PART.format(part=part, known=", ".join(sorted(parts))))
    return _node.answer(
        frame,
        part,
        dict(parameters or {}),
        nodes=parts,
        privacy=Privacy.from_environment(_os.environ),
        requester=_node.requester_from_client(client),
        audit=_node.audit_request if from_registry else None,
    )


@_decorators.algorithm_client
def kaplan_meier(
    client: Any, *, time: str, event: str, group: str | None = None, organizations: list[int] | None = None
) -> dict[str, Any]:
    """Kaplan-Meier with variance, pooled over the nodes (:func:`.nonparametric.federated_kaplan_meier`)."""
    from remission.federated.nonparametric import federated_kaplan_meier

    send = _node.vantage6_send(client, organizations)
    return federated_kaplan_meier(send, time=time, event=event, group=group).to_dict()


@_decorators.algorithm_client
def aalen_johansen(
    client: Any, *, time: str, cause: str, group: str | None = None, organizations: list[int] | None = None
) -> dict[str, Any]:
    """Cumulative incidence per cause (Aalen-Johansen) with variance
    (:func:`.nonparametric.federated_aalen_johansen`)."""
    from remission.federated.nonparametric import federated_aalen_johansen

    send = _node.vantage6_send(client, organizations)
    return federated_aalen_johansen(send, time=time, cause=cause, group=group).to_dict()


@_decorators.algorithm_client
def logrank(
    client: Any, *, time: str, event: str, group: str, organizations: list[int] | None = None
) -> dict[str, Any]:
    """The log-rank test between the levels of ``group`` (:func:`.nonparametric.federated_logrank`)."""
    from remission.federated.nonparametric import federated_logrank

    send = _node.vantage6_send(client, organizations)
    return federated_logrank(send, time=time, event=event, group=group).to_dict()


@_decorators.algorithm_client
def gray_test(
    client: Any, *, time: str, cause: str, group: str, organizations: list[int] | None = None
) -> dict[str, Any]:
    """Gray's test per cause between the levels of ``group`` (:func:`.nonparametric.federated_gray_test`)."""
    from remission.federated.nonparametric import federated_gray_test

    send = _node.vantage6_send(client, organizations)
    return federated_gray_test(send, time=time, cause=cause, group=group).to_dict()


@_decorators.algorithm_client
def table_one(
    client: Any, *, variables: list[str], group: str | None = None, organizations: list[int] | None = None
) -> dict[str, Any]:
    """Table 1: baseline characteristics by group (:func:`.table_one.federated_table_one`)."""
    from remission.federated.table_one import federated_table_one

    send = _node.vantage6_send(client, organizations)
    return federated_table_one(send, variables=variables, group=group).to_dict()


@_decorators.algorithm_client
def cox(
    client: Any,
    *,
    time: str,
    event: str,
    covariates: list[str],
    ties: str = "efron",
    strata_by_node: bool = False,
    reference: dict[str, str] | None = None,
    organizations: list[int] | None = None,
) -> dict[str, Any]:
    """The pooled Cox model by federated Newton-Raphson (:func:`.regression.federated_cox`)."""
    from remission.federated.regression import federated_cox

    send = _node.vantage6_send(client, organizations)
    return federated_cox(
        send,
        time=time,
        event=event,
        covariates=covariates,
        ties=ties,
        strata_by_node=strata_by_node,
        reference=reference,
    ).to_dict()


@_decorators.algorithm_client
def fine_gray(
    client: Any,
    *,
    time: str,
    cause: str,
    cause_of_interest: int,
    covariates: list[str],
    reference: dict[str, str] | None = None,
    variance: str = "sandwich",
    organizations: list[int] | None = None,
) -> dict[str, Any]:
    """The pooled Fine-Gray model by federated Newton-Raphson (:func:`.regression.federated_fine_gray`)."""
    from remission.federated.regression import federated_fine_gray

    send = _node.vantage6_send(client, organizations)
    return federated_fine_gray(
        send,
        time=time,
        cause=cause,
        cause_of_interest=cause_of_interest,
        covariates=covariates,
        reference=reference,
        variance=variance,
    ).to_dict()
