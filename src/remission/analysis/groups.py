"""The groups that are compared: one rule for the tests, the curves and the tables.

A group of the grouping column (``by``: disease, era, intensity…) is *shown* — estimated, tested, drawn
and given its own Table 1 column — when it holds at least :data:`MIN_GROUP_SIZE` patients; of those, at
most the :data:`MAX_GROUPS` largest (ties: in label order). Patients in a smaller group, or in a group
beyond the largest :data:`MAX_GROUPS`, or with the grouping missing, count in every overall analysis but
in no group comparison. The rule is applied to the rows analysed (overall, or one disease's stratum), so
the log-rank test of a stratum has (number of groups shown − 1) degrees of freedom.

A log-rank or Gray test on groups of one to four patients tells nothing a reader can use and, with many
small groups, its chi-square approximation is poor; a curve of fewer than ten patients is a staircase.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MIN_GROUP_SIZE = 10
MAX_GROUPS = 6
GROUP_RULE = (
    "Groups are compared (log-rank and Gray's tests), estimated, drawn and given their own Table 1 "
    "column only when they hold at least {minimum} patients, and at most the {maximum} largest such "
    "groups; patients in smaller groups, or with the grouping missing, are in every overall analysis but "
    "in no group comparison. The same groups are used for the tests, the curves and the tables."
)


@dataclass(frozen=True)
class Groups:
    """The groups of ``by`` shown (largest first) and those left out of the comparison, with sizes."""

    by: str
    shown: tuple[tuple[str, int], ...]
    left_out: tuple[tuple[str, int], ...]
    missing: int  # patients with the grouping missing

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label, _ in self.shown)

    def in_shown(self, frame: pd.DataFrame) -> pd.Series:
        """True for each row of ``frame`` in a shown group."""
        values = frame[self.by]
        labels = set(self.labels)
        wanted = [v for v in pd.unique(values) if not pd.isna(v) and str(v) in labels]  # the values shown
        return values.isin(wanted)

    def masked(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``frame`` with ``by`` missing for every row not in a shown group (its dtype kept): the
        overall columns still count everyone, the group columns only the shown groups."""
        return frame.assign(**{self.by: frame[self.by].where(self.in_shown(frame))})

    def restrict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` in a shown group."""
        return frame[self.in_shown(frame).to_numpy()]


def rule_text(minimum: int = MIN_GROUP_SIZE, maximum: int = MAX_GROUPS) -> str:
    """The rule in words, for the methods paragraph."""
    return GROUP_RULE.format(minimum=minimum, maximum=maximum)


def compared_groups(
    frame: pd.DataFrame, by: str, *, min_size: int = MIN_GROUP_SIZE, max_groups: int = MAX_GROUPS
) -> Groups:
    """The groups of ``by`` in ``frame`` under the rule of this module (labels are ``str`` of the values)."""
    present = frame[by].dropna()
    sizes = present.astype(str).value_counts()
    ordered = sorted(((str(label), int(n)) for label, n in sizes.items()), key=lambda g: (-g[1], g[0]))
    large = [g for g in ordered if g[1] >= min_size]
    shown = tuple(large[:max_groups])
    left_out = tuple(g for g in ordered if g not in shown)
    return Groups(by=by, shown=shown, left_out=left_out, missing=int(len(frame) - len(present)))
