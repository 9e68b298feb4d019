"""Bad input gives a clear error: each test asserts on the message constant in ``validation``."""

from __future__ import annotations

import numpy as np
import pytest

from remission.survival import aalen_johansen, gray_test, kaplan_meier, logrank_test, rmst
from remission.survival import validation as v


def _message(call) -> str:
    with pytest.raises(v.SurvivalInputError) as raised:
        call()
    return str(raised.value)


def test_nan_time() -> None:
    assert _message(lambda: kaplan_meier([1.0, np.nan, 2.0], [1, 0, 1])) == v.NOT_FINITE.format(
        name="time", count=1, row=1
    )


def test_negative_time() -> None:
    assert _message(lambda: kaplan_meier([1.0, -2.0], [1, 0])) == v.NEGATIVE_TIME.format(
        name="time", count=1, row=1
    )


def test_empty_input() -> None:
    assert _message(lambda: kaplan_meier([], [])) == v.EMPTY.format(name="time")


def test_event_not_binary() -> None:
    assert _message(lambda: kaplan_meier([1, 2], [1, 2])) == v.NOT_BINARY.format(
        name="event", row=1, value=2.0
    )


def test_length_mismatch() -> None:
    assert _message(lambda: kaplan_meier([1, 2, 3], [1, 0])) == v.LENGTH_MISMATCH.format(
        name="event", got=2, reference="time", expected=3
    )


def test_entry_not_before_exit() -> None:
    assert _message(lambda: kaplan_meier([2, 3], [1, 1], entry=[0, 3])) == v.ENTRY_NOT_BEFORE_EXIT.format(
        row=1, entry=3.0, time=3.0
    )


def test_negative_weight() -> None:
    assert _message(lambda: kaplan_meier([2, 3], [1, 1], weights=[1, -1])) == v.NEGATIVE_WEIGHT.format(
        row=1, value=-1.0
    )


def test_bad_conf_level_and_type() -> None:
    assert _message(lambda: kaplan_meier([1], [1], conf_level=1.0)) == v.BAD_CONF_LEVEL.format(value=1.0)
    assert _message(lambda: kaplan_meier([1], [1], conf_type="arcsin")) == v.BAD_OPTION.format(
        name="conf_type", allowed=("plain", "log", "log-log"), value="arcsin"
    )


def test_cause_not_whole_number() -> None:
    assert _message(lambda: aalen_johansen([1, 2], [1, 1.5])) == v.NOT_CAUSE.format(
        name="cause", row=1, value=1.5
    )


def test_missing_group_label() -> None:
    group = np.array(["a", None, "b"], dtype=object)
    assert _message(lambda: logrank_test([1, 2, 3], [1, 1, 0], group)) == v.MISSING_LABEL.format(
        name="group", count=1, row=1
    )


def test_one_group_only() -> None:
    assert _message(lambda: gray_test([1, 2], [1, 2], ["a", "a"])) == v.TOO_FEW_GROUPS.format(
        name="group", count=1
    )


def test_bad_rho() -> None:
    assert _message(lambda: logrank_test([1, 2], [1, 1], ["a", "b"], rho=-1)) == v.BAD_RHO.format(value=-1)


def test_bad_tau() -> None:
    assert _message(lambda: rmst([1, 2], [1, 1], float("nan"))) == v.BAD_TAU.format(value=float("nan"))


def test_bad_evaluation_times() -> None:
    fit = kaplan_meier([1, 2], [1, 1])
    assert _message(lambda: fit.at([-1.0])) == v.BAD_TIMES.format(value=[-1.0])
