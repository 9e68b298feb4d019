"""The statistics engine against its peers: one table of seconds, peak memory and ratios.

    python3 benchmarks/survival.py                 # 10^4, 10^5 and 10^6 rows
    python3 benchmarks/survival.py 10000 100000    # chosen sizes

Runs ``survival_nonparametric.run`` (Kaplan-Meier with CI, Aalen-Johansen with variance) and
``survival_regression.run`` (Cox Efron, Fine-Gray) on registry-like data (``survival_data.py``: integer
days, so heavy ties, and continuous times, so none) in Remission, lifelines, scikit-survival and R
(when ``Rscript`` is present; ``scripts/install-r.sh`` installs it). ``ratio`` is each tool's time over
Remission's in the same cell: above 1 means Remission is faster.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import survival_nonparametric
import survival_regression

DEFAULT_SIZES = [10_000, 100_000, 1_000_000]


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or DEFAULT_SIZES
    rows = survival_nonparametric.run(sizes) + survival_regression.run(sizes)
    print(survival_nonparametric.table(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
