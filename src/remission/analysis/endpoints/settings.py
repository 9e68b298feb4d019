"""Which infusion is analysed, and the conventions of endpoint derivation that analysts disagree on."""

from __future__ import annotations

from dataclasses import dataclass, field

from remission.clinical.settings_scores import (
    AssistSettings,
    CdpSettings,
    CrohnResponseSettings,
    DorisSettings,
    NedaSettings,
)
from remission.registry.codes import ProductType

NO_SEQUENCE = "infusion sequence must be 1 or more, not {value!r}"


@dataclass(frozen=True)
class InfusionSelection:
    """The infusion analysed per patient (time zero).

    ``sequence`` None: the patient's first infusion (lowest sequence number) whose product type is in
    ``product_types``; a number: the infusion with that sequence number, if its product type is in
    ``product_types``. ``product_types`` None accepts any product.
    """

    sequence: int | None = None
    product_types: frozenset[str] | None = frozenset({ProductType.AUTOLOGOUS_HSC.value})

    def __post_init__(self) -> None:
        if self.sequence is not None and (not isinstance(self.sequence, int) or self.sequence < 1):
            raise ValueError(NO_SEQUENCE.format(value=self.sequence))
        if self.product_types is not None:
            object.__setattr__(self, "product_types", frozenset(str(p) for p in self.product_types))

    def accepts(self, product_type: str) -> bool:
        return self.product_types is None or product_type in self.product_types


FIRST_AUTOLOGOUS_HSCT = InfusionSelection()


@dataclass(frozen=True)
class EndpointSettings:
    """Conventions of endpoint derivation (see the module docstring of :mod:`.derive` for the rules).

    ``relapse_from_follow_up_status``: a follow-up reporting disease status relapse or progression counts
    as a relapse/progression on that date when no earlier outcome event records one (EBMT follow-up
    forms report relapse this way).
    ``censor_at_next_infusion``: end follow-up of the analysed infusion at the patient's next infusion
    (off by default: EBMT and CIBMTR analyse the first transplant to the end of follow-up).
    ``baseline_lookback_days``: a pre-treatment score counts as baseline when at most this many days
    before day 0.
    ``response_timepoint_days``, ``response_window_days``: DORIS, EULAR and CDAI responses are read at the
    post-treatment assessment nearest to day 0 + timepoint within ± window (12 months ± 3 by default).
    ASSIST uses its own time point and window (``assist``).
    """

    relapse_from_follow_up_status: bool = True
    censor_at_next_infusion: bool = False
    baseline_lookback_days: int = 365
    response_timepoint_days: int = 365
    response_window_days: int = 90
    cdp: CdpSettings = field(default_factory=CdpSettings)
    neda: NedaSettings = field(default_factory=NedaSettings)
    assist: AssistSettings = field(default_factory=AssistSettings)
    doris: DorisSettings = field(default_factory=DorisSettings)
    crohn: CrohnResponseSettings = field(default_factory=CrohnResponseSettings)


DEFAULT_SETTINGS = EndpointSettings()
