"""sorted_group_quantiles (the binned summaries' medians and quartiles) against NumPy's quantiles group by
group, and a small case worked by hand; the order of its pairs against NumPy's ``lexsort``."""

from __future__ import annotations

import numpy as np
import pytest

from remission.analysis.activity import _key_value_order, sorted_group_quantiles


def test_worked_by_hand() -> None:
    keys = np.array([3, 1, 3, 1, 3, 3, 2], dtype=np.int64)
    values = np.array([4.0, 10.0, 1.0, 20.0, 3.0, 2.0, 7.0])
    distinct, sizes, (median, q1, q3) = sorted_group_quantiles(keys, values, (0.5, 0.25, 0.75))
    assert distinct.tolist() == [1, 2, 3] and sizes.tolist() == [2, 1, 4]
    # key 1: 10, 20 -> median 15; q1 at position 0.25 -> 12.5; q3 -> 17.5
    # key 2: 7 alone; key 3: 1, 2, 3, 4 -> median 2.5, q1 at position 0.75 -> 1.75, q3 at 2.25 -> 3.25
    assert median.tolist() == [15.0, 7.0, 2.5]
    assert q1.tolist() == [12.5, 7.0, 1.75]
    assert q3.tolist() == [17.5, 7.0, 3.25]


def test_equals_numpy_per_group() -> None:
    rng = np.random.default_rng(11)
    keys = rng.integers(-3, 40, 5_000)
    values = rng.choice([0.0, 1.5, 2.0, 7.25, 100.0], 5_000) + rng.random(5_000).round(1)
    distinct, sizes, results = sorted_group_quantiles(keys, values, (0.5, 0.1, 0.25, 0.75, 0.9))
    assert distinct.tolist() == sorted(set(keys.tolist()))
    for k, key in enumerate(distinct):
        mine = values[keys == key]
        assert sizes[k] == len(mine)
        # the median as the mean of the middle values; the others as NumPy's "linear" (R's type 7)
        assert results[0][k] == np.median(mine)
        for q, result in zip((0.1, 0.25, 0.75, 0.9), results[1:], strict=True):
            assert abs(result[k] - np.quantile(mine, q, method="linear")) <= 1e-12  # rounding only


def test_no_values() -> None:
    distinct, sizes, (median,) = sorted_group_quantiles(np.empty(0, np.int64), np.empty(0), (0.5,))
    assert len(distinct) == len(sizes) == len(median) == 0


@pytest.mark.parametrize("spread", [40, 2**61])  # keys whose (key, rank) integer fits in 64 bits, and not
def test_the_pairs_are_ordered_as_lexsort_orders_them(spread: int) -> None:
    rng = np.random.default_rng(5)
    keys = rng.integers(-3, 40, 20_000).astype(np.int64)
    keys[:2] = (-3, spread)  # the key range
    values = rng.choice([0.0, 1.5, 2.0, 7.25], 20_000)  # many ties, within keys too: broken by position
    np.testing.assert_array_equal(_key_value_order(keys, values), np.lexsort((values, keys)))


def test_keys_in_order_need_only_their_groups_of_several_values_ordered() -> None:
    """Keys already in order (groups of one, two and more values, ties within groups): the same order as
    ``lexsort``'s."""
    rng = np.random.default_rng(8)
    keys = np.sort(rng.integers(0, 3_000, 10_000)).astype(np.int64)  # groups of 1 to about 10
    values = rng.choice([0.5, 1.0, 2.0, 3.5, 9.0], 10_000)
    np.testing.assert_array_equal(_key_value_order(keys, values), np.lexsort((values, keys)))
    single = np.arange(50, dtype=np.int64)  # every group one value: the rows as they are
    np.testing.assert_array_equal(_key_value_order(single, rng.random(50)), np.arange(50))
