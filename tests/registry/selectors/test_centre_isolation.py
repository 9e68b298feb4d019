"""A user sees exactly the centres their role allows, through every selector.

The table below has one row per selector in ``remission.registry.selectors``; a selector added to the
package without a row here fails ``test_every_selector_is_in_the_table``, so none can forget scoping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import models

from remission.registry import selectors
from remission.registry.errors import NotFound
from remission.registry.models import AuditRecord, Centre, Membership, Patient

# Which centres each user may read, by the role table in remission/registry/access.py.
VISIBLE = {
    "dm_a": {"a"},
    "clin_a": {"a"},
    "viewer_a": {"a"},
    "dm_b": {"b"},
    "stat": {"a", "b"},
    "admin": {"a", "b"},
    "nobody": set(),
    "former_a": set(),  # membership ended in 2021
}
# Who may see hospital numbers: the patient's own centre's data managers and clinicians only.
IDENTIFIERS = {"dm_a": {"a"}, "clin_a": {"a"}, "dm_b": {"b"}}


def centre_of(row: models.Model) -> int | None:
    if isinstance(row, Centre):
        return row.pk
    if isinstance(row, Patient | AuditRecord | Membership):
        return row.centre_id
    return row.patient.centre_id


# name -> (call for centre "a" or "b" objects, kind): kind "list" returns rows, "get" returns one row.
Call = Callable[[Any, Any, str], Any]


def _patient(world: Any, which: str) -> Patient:
    return world.patient_a if which == "a" else world.patient_b


def _first(model: type[models.Model], world: Any, which: str) -> models.Model:
    return model.objects.filter(patient=_patient(world, which)).order_by("pk").first()


LISTS_OF_PATIENT_RECORDS = [
    "diagnosis_list",
    "prior_therapy_list",
    "assessment_list",
    "workup_list",
    "mobilisation_list",
    "cell_product_list",
    "conditioning_list",
    "conditioning_agent_list",
    "infusion_list",
    "engraftment_list",
    "adverse_event_list",
    "lab_result_list",
    "follow_up_list",
    "outcome_event_list",
]

SELECTOR_TABLE: dict[str, tuple[str, Call]] = {
    **{name: ("list", lambda fn, user, world, which: fn(user=user)) for name in LISTS_OF_PATIENT_RECORDS},
    "patient_list": ("list", lambda fn, user, world, which: fn(user=user)),
    "centre_list": ("list", lambda fn, user, world, which: fn(user=user)),
    "audit_trail": ("list", lambda fn, user, world, which: fn(user=user).exclude(centre__isnull=True)),
    "patient_get": (
        "get",
        lambda fn, user, world, which: fn(user=user, registry_id=_patient(world, which).registry_id),
    ),
    "patient_get_by_pk": ("get", lambda fn, user, world, which: fn(user=user, pk=_patient(world, which).pk)),
    "centre_get": (
        "get",
        lambda fn, user, world, which: fn(
            user=user, code=(world.centre_a if which == "a" else world.centre_b).code
        ),
    ),
    "assessment_get": (
        "get",
        lambda fn, user, world, which: fn(
            user=user, pk=_first(selectors.records.Assessment, world, which).pk
        ),
    ),
    "infusion_get": (
        "get",
        lambda fn, user, world, which: fn(
            user=user, pk=(world.infusion_a if which == "a" else world.infusion_b).pk
        ),
    ),
    "hospital_identifier_list": (
        "identifiers",
        lambda fn, user, world, which: fn(user=user, patient=_patient(world, which)),
    ),
    "membership_list": ("memberships", lambda fn, user, world, which: fn(user=user)),
    "centre_quality": ("list", lambda fn, user, world, which: fn(user=user)),
    "patient_browse": ("list", lambda fn, user, world, which: fn(user=user)),
    "record_get": (
        "get",
        lambda fn, user, world, which: fn(
            user=user,
            model=selectors.records.FollowUp,
            pk=_first(selectors.records.FollowUp, world, which).pk,
        ),
    ),
}


def test_every_selector_is_in_the_table() -> None:
    public = {name for name in selectors.__all__ if callable(getattr(selectors, name))}
    assert public == set(SELECTOR_TABLE), (
        "add new selectors to SELECTOR_TABLE with the visibility they must have"
    )


@pytest.mark.parametrize("username", sorted(VISIBLE))
@pytest.mark.parametrize("selector_name", sorted(SELECTOR_TABLE))
def test_user_sees_only_their_centres(world: Any, username: str, selector_name: str) -> None:
    user = world.users[username]
    kind, call = SELECTOR_TABLE[selector_name]
    fn = getattr(selectors, selector_name)
    centre_ids = {"a": world.centre_a.pk, "b": world.centre_b.pk}
    allowed = {centre_ids[c] for c in VISIBLE[username]}

    if kind == "list":
        rows = list(call(fn, user, world, "a"))
        seen = {centre_of(row) for row in rows}
        assert seen == allowed, f"{selector_name} for {username}: saw centres {seen}, allowed {allowed}"
    elif kind in ("get", "identifiers"):
        may = VISIBLE[username] if kind == "get" else IDENTIFIERS.get(username, set())
        for which in ("a", "b"):
            if which in may:
                row = call(fn, user, world, which)
                rows = list(row) if kind == "identifiers" else [row]
                assert rows and {centre_of(r) for r in rows} == {centre_ids[which]}
            else:
                with pytest.raises(NotFound):
                    list(call(fn, user, world, which)) if kind == "identifiers" else call(
                        fn, user, world, which
                    )
    elif kind == "memberships":
        rows = list(call(fn, user, world, "a"))
        if username == "admin":
            assert {m.user.username for m in rows} == set(VISIBLE) - {"nobody"}
        else:
            assert {m.user_id for m in rows} <= {user.pk}
            assert len(rows) == Membership.objects.filter(user=user).count()
    else:  # pragma: no cover - the table only uses the kinds above
        raise AssertionError(kind)
