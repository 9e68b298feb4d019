"""The report pauses Python's cycle collector while it runs and leaves it as it found it."""

from __future__ import annotations

import gc

import pytest

from remission.reports.pipeline import cycle_collection_paused


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_collector_is_paused_inside_and_restored_after(enabled_before: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled_before else gc.disable)()
    try:
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled_before
    finally:
        (gc.enable if was else gc.disable)()


def test_the_collector_is_restored_when_the_report_fails() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="boom"), cycle_collection_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_cycles_made_while_paused_are_collected_at_the_end() -> None:
    import weakref

    class Node:
        pass

    with cycle_collection_paused():
        a, b = Node(), Node()
        a.other, b.other = b, a  # a reference cycle: reference counting alone cannot free it
        alive = weakref.ref(a)
        del a, b
        assert alive() is not None
    assert alive() is None
