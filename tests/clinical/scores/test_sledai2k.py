"""SLEDAI-2K: 24 weighted descriptors, 0–105 (Gladman 2002)."""

from __future__ import annotations

import pytest

from remission.clinical.scores import NOT_A_BOOLEAN, ScoreInputError, sledai2k
from remission.clinical.scores.sledai2k_gladman2002 import WEIGHTS


def _absent() -> dict[str, bool]:
    return dict.fromkeys(WEIGHTS, False)


def test_weights_as_published() -> None:
    eights = [c for c, (_, w) in WEIGHTS.items() if w == 8]
    fours = [c for c, (_, w) in WEIGHTS.items() if w == 4]
    twos = [c for c, (_, w) in WEIGHTS.items() if w == 2]
    ones = [c for c, (_, w) in WEIGHTS.items() if w == 1]
    assert (len(eights), len(fours), len(twos), len(ones)) == (8, 6, 7, 3)
    assert "vasculitis" in eights and "pyuria" in fours and "alopecia" in twos and "fever" in ones


def test_worked_example() -> None:
    items = _absent() | {
        "arthritis": True,  # 4
        "proteinuria": True,  # 4
        "rash": True,  # 2
        "low_complement": True,  # 2
        "increased_dna_binding": True,  # 2
    }
    # 4 + 4 + 2 + 2 + 2 = 14; clinical SLEDAI-2K leaves out the two serological items: 10
    assert sledai2k(items).value == 14
    assert sledai2k(items, clinical=True).value == 10
    assert dict(sledai2k(items).components) == {
        "arthritis": 4,
        "proteinuria": 4,
        "rash": 2,
        "low_complement": 2,
        "increased_dna_binding": 2,
    }


def test_range_ends() -> None:
    assert sledai2k(_absent()).value == 0
    assert sledai2k(dict.fromkeys(WEIGHTS, True)).value == 105  # 8·8 + 6·4 + 7·2 + 3·1


def test_missing_listed() -> None:
    items = _absent()
    del items["seizure"]
    del items["low_complement"]
    result = sledai2k(items)
    assert result.value is None
    assert result.missing == ("seizure", "low_complement")
    # the clinical score does not need serology
    assert sledai2k(items, clinical=True).missing == ("seizure",)
    items["seizure"] = False
    assert sledai2k(items, clinical=True).value == 0


def test_not_a_boolean() -> None:
    with pytest.raises(ScoreInputError) as caught:
        sledai2k(_absent() | {"fever": 38.5})
    assert str(caught.value) == NOT_A_BOOLEAN.format(item="fever", value=38.5)
