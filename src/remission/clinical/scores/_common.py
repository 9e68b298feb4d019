"""What every score module shares: item specifications, input checks, bands and the result object.

An item specification (:class:`ItemSpec`) is the single description of one input: its kind (int,
float, bool or a choice), its allowed range and, where the scale has them, its allowed steps. The score
functions check their inputs against it and raise :class:`ScoreInputError` with one of the messages
below; the instrument registry (``remission.clinical.instruments``) uses the same specification to list
problems without raising.

Missing values: ``None`` means "not recorded". A score that needs a missing item is *not computable*:
its ``value`` is None and ``missing`` lists the items, in the instrument's order. No item is ever
scored as zero because it is absent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from remission.clinical.settings_scores import Band

# -- error messages (tests assert on these) ------------------------------------------------------------
OUT_OF_RANGE = "{item}: {value!r} is out of range; allowed {low:g} to {high:g}"
NOT_A_NUMBER = "{item}: {value!r} is not a number"
NOT_AN_INTEGER = "{item}: {value!r} is not a whole number"
NOT_A_BOOLEAN = "{item}: {value!r} is not true or false"
NOT_AN_ALLOWED_STEP = "{item}: {value!r} is not an allowed value; allowed {steps}"
NOT_AN_ALLOWED_CHOICE = "{item}: {value!r} is not an allowed value; allowed {choices}"
UNKNOWN_ITEM = "{item}: not an item of {instrument}"


class ScoreInputError(ValueError):
    """An input value that the instrument does not allow (wrong type, out of range, not a step)."""


class ItemKind(StrEnum):
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One input of an instrument, as a form stores it."""

    name: str
    kind: ItemKind
    title: str = ""
    min: float | None = None
    max: float | None = None
    steps: tuple[float, ...] | None = None
    choices: tuple[str, ...] | None = None
    unit: str = ""
    # the steps as a set, for the common exact match before the tolerant comparison
    exact_steps: frozenset[float] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "exact_steps", frozenset(self.steps or ()))

    def problem(self, value: Any) -> str | None:
        """The message for ``value`` if this item does not allow it, else None (None values are allowed)."""
        if value is None:
            return None
        if self.kind is ItemKind.BOOL:
            if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
                return None
            return NOT_A_BOOLEAN.format(item=self.name, value=value)
        if self.kind is ItemKind.CHOICE:
            if isinstance(value, str) and self.choices is not None and value in self.choices:
                return None
            return NOT_AN_ALLOWED_CHOICE.format(
                item=self.name, value=value, choices=", ".join(self.choices or ())
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return NOT_A_NUMBER.format(item=self.name, value=value)
        if self.kind is ItemKind.INT and not float(value).is_integer():
            return NOT_AN_INTEGER.format(item=self.name, value=value)
        if (
            math.isinf(value)
            or (self.min is not None and value < self.min)
            or (self.max is not None and value > self.max)
        ):
            low = -math.inf if self.min is None else self.min
            high = math.inf if self.max is None else self.max
            return OUT_OF_RANGE.format(item=self.name, value=value, low=low, high=high)
        if (
            self.steps is not None
            and value not in self.exact_steps
            and not any(math.isclose(value, s, abs_tol=1e-9) for s in self.steps)
        ):
            return NOT_AN_ALLOWED_STEP.format(
                item=self.name, value=value, steps=", ".join(f"{s:g}" for s in self.steps)
            )
        return None

    def check(self, value: Any) -> Any:
        """``value`` converted to the item's kind; raises :class:`ScoreInputError` when not allowed."""
        message = self.problem(value)
        if message is not None:
            raise ScoreInputError(message)
        if value is None:
            return None
        if self.kind is ItemKind.BOOL:
            return bool(value)
        if self.kind is ItemKind.INT:
            return int(value)
        if self.kind is ItemKind.FLOAT:
            return float(value)
        return value


def int_item(name: str, low: int, high: int, title: str = "", unit: str = "") -> ItemSpec:
    return ItemSpec(name, ItemKind.INT, title or name, low, high, unit=unit)


def float_item(name: str, low: float, high: float, title: str = "", unit: str = "") -> ItemSpec:
    return ItemSpec(name, ItemKind.FLOAT, title or name, low, high, unit=unit)


def bool_item(name: str, title: str = "") -> ItemSpec:
    return ItemSpec(name, ItemKind.BOOL, title or name)


def check_items(
    specs: Sequence[ItemSpec], values: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Check ``values`` against ``specs``: (checked values by name, names of missing items in spec order).

    Raises :class:`ScoreInputError` for the first value not allowed. Keys not in ``specs`` are ignored
    here; the instrument registry reports them.
    """
    checked: dict[str, Any] = {}
    missing: list[str] = []
    for spec in specs:
        value = spec.check(values.get(spec.name))
        if value is None:
            missing.append(spec.name)
        else:
            checked[spec.name] = value
    return checked, tuple(missing)


def item_problems(specs: Iterable[ItemSpec], values: Mapping[str, Any], instrument: str) -> list[str]:
    """Every problem with ``values``: unknown item names and values not allowed. Missing items are fine."""
    by_name = {spec.name: spec for spec in specs}
    problems = [
        UNKNOWN_ITEM.format(item=name, instrument=instrument) for name in values if name not in by_name
    ]
    for name, value in values.items():
        spec = by_name.get(name)
        message = None if spec is None else spec.problem(value)
        if message is not None:
            problems.append(message)
    return problems


def categorise(value: float, bands: Sequence[Band]) -> str:
    """The label of the first band (lowest first) that holds ``value``."""
    for band in bands:
        if band.holds(value):
            return band.label
    raise ValueError(f"no band holds {value!r}")  # the last band must have upper=None


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A computed score. ``value`` is None when not computable; then ``missing`` names what is missing."""

    instrument: str
    value: float | None
    category: str | None = None
    components: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", MappingProxyType(dict(self.components)))

    @property
    def computable(self) -> bool:
        return self.value is not None


def not_computable(
    instrument: str, missing: Iterable[str], components: Mapping[str, float] | None = None
) -> ScoreResult:
    return ScoreResult(instrument, None, None, components or {}, tuple(missing))
