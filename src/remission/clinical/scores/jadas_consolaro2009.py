"""Juvenile Arthritis Disease Activity Score (JADAS-10, -27, -71) and clinical JADAS (cJADAS).

Reference: Consolaro A, Ruperto N, Bazso A, et al. Development and validation of a composite disease
activity score for juvenile idiopathic arthritis. Arthritis Rheum 2009;61:658-66 [@Consolaro2009].
✔ [@Consolaro2009, abstract]: "The JADAS includes 4 measures: physician global assessment of disease
activity, parent/patient global assessment of well-being, active joint count, and erythrocyte sedimentation
rate"; "71-joint (range 0-101), 27-joint (range 0-57), or 10-joint (range 0-40)". The 0–10 scales of the
globals, the ESR normalisation and the joint-count cap are ◐ (not in the abstract). The clinical JADAS
(cJADAS, no ESR) is a later variant whose papers were not read here ◐.

    JADAS-n = physician global (0–10) + parent/patient global (0–10)
              + active joint count (capped at n) + normalised ESR
    normalised ESR = (ESR − 20) / 10, with ESR < 20 taken as 20 and ESR > 120 as 120   (0–10)
    cJADAS-n leaves out the ESR term.

Joint counts: JADAS-71 counts the 71-joint set; JADAS-27 the reduced 27-joint set (cervical spine,
elbows, wrists, MCP 1–3, PIP, hips, knees, ankles), so its count is at most 27; JADAS-10 counts active
joints of any joint (up to 71) and caps the count at 10.

Ranges: JADAS-10 0–40; JADAS-27 0–57; JADAS-71 0–101 ✔ [@Consolaro2009, abstract]; cJADAS-10 0–30.
No categories here: the cut-offs of later papers differ by JIA category and version — not encoded.

Missing values: all terms used by the version are needed; otherwise not computable, missing listed.
"""

from __future__ import annotations

from remission.clinical.scores._common import (
    ItemSpec,
    ScoreResult,
    check_items,
    float_item,
    int_item,
    not_computable,
)

SOURCE = "Consolaro A et al. Arthritis Rheum 2009;61:658-66 [@Consolaro2009, abstract]"
SOURCE_CLINICAL = "JADAS without the ESR term ◐, after [@Consolaro2009, abstract]"
JOINT_SETS: tuple[int, ...] = (10, 27, 71)
ESR_FLOOR = 20.0  # ESR < 20 mm/h counts as 20
ESR_CEILING = 120.0  # ESR > 120 mm/h counts as 120

PHYSICIAN_GLOBAL = float_item(
    "physician_global", 0, 10, "Physician global assessment of disease activity", "cm"
)
PARENT_GLOBAL = float_item("parent_global", 0, 10, "Parent/patient global assessment of well-being", "cm")
ESR = float_item("esr", 0, 200, "Erythrocyte sedimentation rate", "mm/h")

UNKNOWN_JOINT_SET = "JADAS joint set {joints!r} is not one of 10, 27, 71"


def code_for(joints: int, clinical: bool) -> str:
    return f"{'c' if clinical else ''}jadas{joints}"


def items_for(joints: int, clinical: bool) -> tuple[ItemSpec, ...]:
    """The items of one JADAS version (the active joint count is checked against its joint set)."""
    if joints not in JOINT_SETS:
        raise ValueError(UNKNOWN_JOINT_SET.format(joints=joints))
    count_max = 71 if joints == 10 else joints
    active = int_item("active_joints", 0, count_max, f"Active joint count ({count_max} joints)")
    return (
        (PHYSICIAN_GLOBAL, PARENT_GLOBAL, active)
        if clinical
        else (PHYSICIAN_GLOBAL, PARENT_GLOBAL, active, ESR)
    )


def score_range(joints: int, clinical: bool) -> tuple[float, float]:
    return (0.0, 20.0 + joints + (0.0 if clinical else 10.0))


def normalised_esr(esr: float) -> float:
    """(ESR − 20)/10 after clamping ESR to 20–120 mm/h: 0–10."""
    return (min(max(esr, ESR_FLOOR), ESR_CEILING) - 20) / 10


def jadas(
    physician_global: float | None,
    parent_global: float | None,
    active_joints: int | None,
    esr: float | None = None,
    *,
    joints: int = 10,
    clinical: bool = False,
) -> ScoreResult:
    """JADAS-``joints`` (10, 27 or 71); ``clinical=True`` gives cJADAS (no ESR, ``esr`` ignored)."""
    specs = items_for(joints, clinical)
    raw = {
        "physician_global": physician_global,
        "parent_global": parent_global,
        "active_joints": active_joints,
    }
    if not clinical:
        raw["esr"] = esr
    values, missing = check_items(specs, raw)
    code = code_for(joints, clinical)
    if missing:
        return not_computable(code, missing)
    components = {
        "physician_global": values["physician_global"],
        "parent_global": values["parent_global"],
        "active_joints": float(min(values["active_joints"], joints)),  # capped at the joint set
    }
    if not clinical:
        components["esr"] = normalised_esr(values["esr"])
    return ScoreResult(code, round(sum(components.values()), 6), None, components)
