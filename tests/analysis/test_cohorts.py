"""Era, centre experience and cohort filters on hand-made rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from remission.analysis.cohorts import (
    Cohort,
    CohortSettings,
    add_cohort_columns,
    centre_experience,
    era_labels,
    era_of,
    select,
    split,
)


def test_era_labels_and_boundaries() -> None:
    assert era_labels((2000, 2010, 2020)) == ["≤1999", "2000–2009", "2010–2019", "≥2020"]
    assert list(era_of(pd.Series([1999, 2000, 2009, 2010, 2019, 2020, 2031]), (2000, 2010, 2020))) == [
        "≤1999",
        "2000–2009",
        "2000–2009",
        "2010–2019",
        "2010–2019",
        "≥2020",
        "≥2020",
    ]
    assert list(era_of(pd.Series([2004, 2005]), (2005,))) == ["≤2004", "≥2005"]
    with pytest.raises(ValueError):
        CohortSettings(era_boundaries=(2010, 2000))


def infusions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "infusion_id": [1, 2, 3, 4, 5],
            "centre": ["x", "x", "x", "x", "y"],
            "date": pd.to_datetime(["2010-01-01", "2010-01-01", "2011-06-01", "2012-03-01", "2009-01-01"]),
            "product_type": ["auto_hsc", "auto_hsc", "msc", "auto_hsc", "auto_hsc"],
        }
    )


def test_centre_experience_counts_earlier_hsct_at_the_same_centre() -> None:
    # 1 and 2 are on the same day (neither counts for the other); 3 is an MSC infusion (not a procedure)
    counts = centre_experience(infusions())
    assert counts.to_dict() == {1: 0, 2: 0, 3: 2, 4: 2, 5: 0}


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "registry_id": ["P1", "P2", "P3", "P4"],
            "infusion_id": [1, 3, 4, 5],
            "centre": ["x", "x", "x", "y"],
            "country": ["NL", "NL", "NL", "DE"],
            "disease": ["ms", "ssc", "ms", "sle"],
            "subtype": ["rrms", "diffuse", "spms", None],
            "sex": ["female", "male", "female", "female"],
            "age": [30.0, 45.0, 52.0, None],
            "intensity": ["high", "intermediate", "low", None],
            "product_type": ["auto_hsc", "msc", "auto_hsc", "auto_hsc"],
            "infusion_date": pd.to_datetime(["2010-01-01", "2011-06-01", "2012-03-01", "2009-01-01"]),
        }
    )


def test_add_cohort_columns() -> None:
    out = add_cohort_columns(frame(), infusions(), CohortSettings(experience_threshold=2))
    assert list(out["era"]) == ["2010–2019", "2010–2019", "2010–2019", "2000–2009"]
    assert list(out["centre_experience"]) == [0, 2, 2, 0]
    assert list(out["experienced"]) == [False, True, True, False]


def test_filters() -> None:
    f = add_cohort_columns(frame(), infusions(), CohortSettings(experience_threshold=2))
    ids = lambda cohort: list(select(f, cohort)["registry_id"])  # noqa: E731
    assert ids(Cohort(disease="ms")) == ["P1", "P3"]
    assert ids(Cohort(disease=["ms", "sle"], country="NL")) == ["P1", "P3"]
    assert ids(Cohort(centre="y")) == ["P4"]
    assert ids(Cohort(era="2000–2009")) == ["P4"]
    assert ids(Cohort(age_min=40)) == ["P2", "P3"]  # unknown age is never in an age range
    assert ids(Cohort(age_min=30, age_max=45)) == ["P1"]  # 30 ≤ age < 45
    assert ids(Cohort(sex="male")) == ["P2"]
    assert ids(Cohort(intensity=["high", "low"])) == ["P1", "P3"]
    assert ids(Cohort(product_type="auto_hsc")) == ["P1", "P3", "P4"]
    assert ids(Cohort(experienced=True)) == ["P2", "P3"]
    assert ids(Cohort(infusion_from=dt.date(2010, 1, 1), infusion_to=dt.date(2011, 12, 31))) == ["P1", "P2"]
    assert ids(Cohort()) == ["P1", "P2", "P3", "P4"]


def test_split() -> None:
    groups = split(frame(), "disease")
    assert sorted(groups) == ["ms", "sle", "ssc"]
    assert list(groups["ms"]["registry_id"]) == ["P1", "P3"]
    with pytest.raises(KeyError):
        split(frame(), "nonsense")
