"""Brain MRI activity (the NEDA-3 MRI component), as an instrument of the registry."""

from __future__ import annotations

import pytest

from remission.clinical.instruments import INSTRUMENTS
from remission.clinical.scores._common import ScoreInputError
from remission.clinical.scores.mri_activity import mri_activity


def test_no_new_lesions_is_no_activity() -> None:
    result = mri_activity({"new_or_enlarging_t2": 0, "gd_enhancing": 0})
    assert (result.value, result.category) == (0.0, "no activity")


def test_any_lesion_is_activity() -> None:
    # 2 new T2 lesions + 1 enhancing lesion = 3 active lesions
    result = mri_activity({"new_or_enlarging_t2": 2, "gd_enhancing": 1})
    assert (result.value, result.category) == (3.0, "active")


def test_one_read_missing_is_not_computable() -> None:
    result = mri_activity({"gd_enhancing": 0})
    assert result.value is None and result.missing == ("new_or_enlarging_t2",)


def test_negative_count_is_refused_with_the_item_named() -> None:
    with pytest.raises(ScoreInputError, match="gd_enhancing"):
        mri_activity({"new_or_enlarging_t2": 0, "gd_enhancing": -1})


def test_registered_for_ms() -> None:
    assert "ms" in INSTRUMENTS["mri_brain"].diseases


def test_sledai2k_carries_pga_and_prednisone_without_scoring_them() -> None:
    instrument = INSTRUMENTS["sledai2k"]
    assert instrument.validate({"pga": 0.4, "prednisone_mg": 5}) == []
    assert instrument.validate({"pga": 3.5}) == ["pga: 3.5 is out of range; allowed 0 to 3"]
