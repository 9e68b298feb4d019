"""SLEDAI-2K: 24 weighted descriptors, 0–105 [@Gladman2002]."""

from __future__ import annotations

import pytest

from remission.clinical.scores import NOT_A_BOOLEAN, ScoreInputError, sledai2k
from remission.clinical.scores.sledai2k_gladman2002 import WEIGHTS


def _absent() -> dict[str, bool]:
    return dict.fromkeys(WEIGHTS, False)


# The independent oracle: the SLEDAI-2K table of Gladman 2002 [@Gladman2002], written out item by item as
# reproduced in HHE Rheumatology 2019, Table 4 ("Weight Item": 8 Seizure … 1 Leukopaenia) and on
# medicalcriteria.com ("Score Descriptor": 8 Seizure … ) — the two agree; the 2002 paper's own table was not
# read (◐). Written by hand, not derived from WEIGHTS.
SLEDAI_2K_TABLE: tuple[tuple[str, int], ...] = (
    ("seizure", 8),
    ("psychosis", 8),
    ("organic_brain_syndrome", 8),
    ("visual_disturbance", 8),
    ("cranial_nerve_disorder", 8),
    ("lupus_headache", 8),
    ("cva", 8),
    ("vasculitis", 8),
    ("arthritis", 4),
    ("myositis", 4),
    ("urinary_casts", 4),
    ("haematuria", 4),
    ("proteinuria", 4),
    ("pyuria", 4),
    ("rash", 2),
    ("alopecia", 2),
    ("mucosal_ulcers", 2),
    ("pleurisy", 2),
    ("pericarditis", 2),
    ("low_complement", 2),
    ("increased_dna_binding", 2),
    ("fever", 1),
    ("thrombocytopenia", 1),
    ("leukopenia", 1),
)


def test_the_descriptors_are_those_of_the_table() -> None:
    assert list(WEIGHTS) == [code for code, _ in SLEDAI_2K_TABLE]


@pytest.mark.parametrize(("code", "weight"), SLEDAI_2K_TABLE, ids=[code for code, _ in SLEDAI_2K_TABLE])
def test_each_weight_as_in_the_table(code: str, weight: int) -> None:
    # the stored weight, and the score of that descriptor alone (a swap of two weights fails here)
    assert WEIGHTS[code][1] == weight
    result = sledai2k(_absent() | {code: True})
    assert result.value == weight
    assert dict(result.components) == {code: weight}


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
