"""The patient flow (CONSORT-style): from the patients in the registry to the patients analysed.

Every patient the reader may see (the caller's scope: a centre user their own centre, a statistician or
the command line every centre) is either analysed or left out by exactly one named rule, the first that
applies, in this order:

1. ``no_infusion`` — no infusion recorded;
2. ``other_product`` — infusions recorded, none of the analysed kind (by default an autologous HSCT; one
   step per product type of the patient's first infusion: CAR-T, MSC…, reported in their own section);
3. ``infused_after_cutoff`` — the analysed infusion is dated after the data cut-off;
4. ``death_before_infusion`` — a death is recorded before the infusion (contradictory records);
5. ``filter_<criterion>`` — outside the cohort's filters, one step per filter
   (:func:`remission.analysis.cohorts.criteria`), applied in their order.

The counts add up (checked when the flow is built: :class:`PatientFlow` refuses counts that do not).

**The data cut-off** (:func:`data_cut_off`): by default the date the data were extracted (the day the
analysis runs); records dated after it are not read, follow-up ends there (patients without an event are
censored at their last contact on or before it) and an infusion after it is not analysed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from remission.analysis.endpoints import (
    RULE_AFTER_CUTOFF,
    RULE_DEATH_BEFORE_INFUSION,
    RULE_NO_INFUSION,
    RULE_OTHER_PRODUCT,
    LeftOut,
)
from remission.analysis.words import Words, words

FLOW_DOES_NOT_ADD_UP = (
    "patient flow: {in_registry} in the registry but {analysed} analysed and {excluded} left out "
    "(every patient must be analysed or left out by exactly one rule)"
)
CUTOFF_EXTRACTION = "date of data extraction, the default"
CUTOFF_GIVEN = "chosen for this analysis"
REASONS: Mapping[str, str] = {  # the reasons in words: templates of Words (remission.analysis.words)
    RULE_NO_INFUSION: gettext_noop("No infusion recorded"),
    RULE_OTHER_PRODUCT: gettext_noop("%(product)s, no %(selection)s"),
    RULE_AFTER_CUTOFF: gettext_noop("%(selection)s after the data cut-off (%(cutoff)s)"),
    RULE_DEATH_BEFORE_INFUSION: gettext_noop("Death recorded before the infusion (contradictory records)"),
}
FILTER_REASON = gettext_noop("Outside the cohort filter (%(wanted)s)")
PRODUCT_WORDS: Mapping[str, str] = {  # marked for translators; translated where shown
    "auto_hsc": gettext_noop("autologous HSC"),
    "allo_hsc": gettext_noop("allogeneic HSC"),
    "msc": gettext_noop("mesenchymal stromal cells"),
    "treg": gettext_noop("regulatory T cells"),
    "car_t": gettext_noop("CAR-T cells"),
    "other": gettext_noop("other cell therapy"),
}


@dataclass(frozen=True)
class DataCutoff:
    """The data cut-off date and the rule that set it (in words)."""

    date: dt.date
    rule: str

    def label(self) -> str:
        return f"{self.date.isoformat()} ({self.rule})"


def data_cut_off(chosen: dt.date | None, *, extracted: dt.date) -> DataCutoff:
    """``chosen`` when given, else the date the data were ``extracted`` (see the module docstring)."""
    if chosen is not None:
        return DataCutoff(chosen, CUTOFF_GIVEN)
    return DataCutoff(extracted, CUTOFF_EXTRACTION)


@dataclass(frozen=True)
class FlowStep:
    """One exclusion: the named rule (``other_product:car_t``, ``filter_disease``…), in words, and how many
    patients it left out."""

    rule: str
    reason: Words
    n: int


@dataclass(frozen=True)
class PatientFlow:
    """In the registry → each exclusion → analysed; ``in_registry`` = ``analysed`` + the steps' counts."""

    in_registry: int
    steps: tuple[FlowStep, ...]
    analysed: int
    selection: Words
    cutoff: DataCutoff | None = None

    def __post_init__(self) -> None:
        excluded = sum(step.n for step in self.steps)
        if self.in_registry != self.analysed + excluded or any(step.n < 0 for step in self.steps):
            raise ValueError(
                FLOW_DOES_NOT_ADD_UP.format(
                    in_registry=self.in_registry, analysed=self.analysed, excluded=excluded
                )
            )

    @property
    def left_out(self) -> int:
        return self.in_registry - self.analysed

    def count(self, rule: str) -> int:
        """Patients left out by ``rule`` (a step's rule, or its prefix before ``:``)."""
        return sum(step.n for step in self.steps if step.rule == rule or step.rule.split(":")[0] == rule)


def product_words(product: str) -> Words:
    """A product type in words (its code when it has none)."""
    return words(PRODUCT_WORDS.get(product, product or gettext_noop("unknown")))


def patient_flow(
    *,
    in_registry: int,
    left_out: Iterable[LeftOut],
    filtered: Iterable[tuple[str, str, int]],
    analysed: int,
    selection: Words,
    cutoff: DataCutoff | None,
) -> PatientFlow:
    """The flow from what derivation left out (``left_out``) and what each cohort filter left out
    (``filtered``: criterion, the values wanted in words, count), in the order of the module docstring.
    Steps with no patient are kept only for the derivation rules (a reader sees "0" there)."""
    left_out = tuple(left_out)
    by_rule = Counter(x.rule for x in left_out)
    products = Counter(x.product_type for x in left_out if x.rule == RULE_OTHER_PRODUCT)
    cutoff_words = cutoff.date if cutoff is not None else words(gettext_noop("none"))
    no_infusion = words(REASONS[RULE_NO_INFUSION])
    steps: list[FlowStep] = [FlowStep(RULE_NO_INFUSION, no_infusion, by_rule[RULE_NO_INFUSION])]
    for product, n in sorted(products.items(), key=lambda p: (-p[1], p[0])):
        named = product_words(product).capitalised()
        reason = words(REASONS[RULE_OTHER_PRODUCT], selection=selection, product=named)
        steps.append(FlowStep(f"{RULE_OTHER_PRODUCT}:{product}", reason, n))
    if not products:
        other = product_words("other").capitalised()
        reason = words(REASONS[RULE_OTHER_PRODUCT], selection=selection, product=other)
        steps.append(FlowStep(RULE_OTHER_PRODUCT, reason, 0))
    after = words(REASONS[RULE_AFTER_CUTOFF], selection=selection.capitalised(), cutoff=cutoff_words)
    steps.append(FlowStep(RULE_AFTER_CUTOFF, after, by_rule[RULE_AFTER_CUTOFF]))
    death = RULE_DEATH_BEFORE_INFUSION
    steps.append(FlowStep(death, words(REASONS[death]), by_rule[death]))
    for criterion, wanted, n in filtered:
        steps.append(FlowStep(f"filter_{criterion}", words(FILTER_REASON, wanted=wanted), n))
    return PatientFlow(in_registry, tuple(steps), analysed, selection, cutoff)
