"""Endpoint derivation, in one place: registry records → times and events after an infusion.

- :mod:`.records` — the plain per-patient records derivation reads;
- :mod:`.settings` — which infusion is analysed and the conventions that are settings;
- :mod:`.derive` — the derivation and its stated rules (module docstring), findings (the registry's
  :class:`~remission.registry.findings.Finding`);
- :mod:`.responses` — disease-specific response from the clinical layer.
"""

from remission.analysis.endpoints.derive import (
    COLUMNS,
    LEFT_OUT_RULES,
    RULE_AFTER_CUTOFF,
    RULE_DEATH_BEFORE_INFUSION,
    RULE_NO_INFUSION,
    RULE_OTHER_PRODUCT,
    EndpointSet,
    InfusionEndpoints,
    LeftOut,
    age_at,
    derive_endpoints,
    derive_patient,
)
from remission.analysis.endpoints.records import (
    EngraftmentFacts,
    FollowUpFacts,
    InfusionFacts,
    OtherContact,
    OutcomeFacts,
    PatientCourse,
    ScoreFacts,
    ToxicityFacts,
    WorkUpFacts,
)
from remission.analysis.endpoints.responses import MRI_INSTRUMENT, RESPONSE_INSTRUMENTS, ResponseOutcome
from remission.analysis.endpoints.settings import (
    DEFAULT_SETTINGS,
    FIRST_AUTOLOGOUS_HSCT,
    EndpointSettings,
    InfusionSelection,
)
from remission.registry.findings import Finding

__all__ = [
    "COLUMNS",
    "DEFAULT_SETTINGS",
    "FIRST_AUTOLOGOUS_HSCT",
    "LEFT_OUT_RULES",
    "MRI_INSTRUMENT",
    "RESPONSE_INSTRUMENTS",
    "RULE_AFTER_CUTOFF",
    "RULE_DEATH_BEFORE_INFUSION",
    "RULE_NO_INFUSION",
    "RULE_OTHER_PRODUCT",
    "EndpointSet",
    "EndpointSettings",
    "EngraftmentFacts",
    "Finding",
    "FollowUpFacts",
    "InfusionEndpoints",
    "InfusionFacts",
    "InfusionSelection",
    "LeftOut",
    "OtherContact",
    "OutcomeFacts",
    "PatientCourse",
    "ResponseOutcome",
    "ScoreFacts",
    "ToxicityFacts",
    "WorkUpFacts",
    "age_at",
    "derive_endpoints",
    "derive_patient",
]
