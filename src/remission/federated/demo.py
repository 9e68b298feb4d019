"""``remission federated demo``: three synthetic registries, one federated analysis, pooled vs federated.

What the demo does, in order:

1. **Three registries.** Each is written by the synthetic generator (:func:`remission.synth.bulk.bulk_load`)
   with its own seed and registry-id prefix, into one temporary embedded SQLite database (the command
   makes it; nothing touches the operator's registry). Each registry's analysis set is read through
   :mod:`remission.analysis` from its own patients only (the loader's ``patient_ids``, then
   :func:`~remission.analysis.dataset.derive_analysis_set`, the steps ``load_analysis_set`` runs), so every
   derived column — centre experience included — is that registry's own. The case mixes differ by the
   registry's scope, selected with the analysis layer's cohort filter: A holds every indication, B only
   neurological ones (MS, NMO, CIDP, myasthenia gravis, stiff-person syndrome), C the others.
2. **Federated, through vantage6's mock client.** :class:`~vantage6.algorithm.tools.mock_client.
   MockAlgorithmClient` runs the algorithm module :mod:`remission.federated.algorithm` with one organisation
   per registry: each central entry point creates its subtasks, each node answers through
   :func:`~remission.federated.algorithm.partial` with its privacy rules read from its environment. No
   Docker, no server; the nodes are this process. With mock data there is no node registry to audit in,
   so the requests are not audited here (a real node audits each one, :mod:`.node`).
3. **Pooled.** The three analysis sets concatenated and analysed with :mod:`remission.survival` directly.
4. **Side by side**, first with exact rules (``min_cell`` 1 at every node: federated = pooled, the largest
   absolute difference is printed), then with the default rules (``min_cell`` 5): the difference is what
   coarsening the times and suppressing small cells moved.

The analyses: Kaplan-Meier of overall survival; Aalen-Johansen of relapse/progression and non-relapse
mortality (NRM); the log-rank test (OS) and Gray's test (both causes) by sex; Table 1 (age, sex, disease,
era) by sex; Cox (OS) and Fine-Gray (NRM) on age and sex.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from remission.federated.privacy import GRID_VARIABLE, MIN_CELL_VARIABLE

NEUROLOGICAL = ("ms", "nmo", "cidp", "mg", "stiff_person")
YEAR = 365.25
ALGORITHM_MODULE = "remission.federated.algorithm"
TABLE_ONE_VARIABLES = ("age", "sex", "disease", "era")
COVARIATES = ("age", "sex")
REFERENCE = {"sex": "female"}
RELAPSE, NRM = 1, 2
EXACT_TOLERANCE = 1e-9

if TYPE_CHECKING:
    from remission.analysis.cohorts import Cohort


@dataclass(frozen=True)
class DemoRegistry:
    """One synthetic registry of the demo: its name, seed, scope (a cohort of the analysis layer) in words."""

    name: str
    seed: int
    scope: str
    cohort: Cohort | None = None

    @property
    def prefix(self) -> str:
        return f"FED{self.name}-"


def _non_neurological() -> tuple[str, ...]:
    from remission.clinical.diseases import DISEASES

    return tuple(code for code in DISEASES if code not in NEUROLOGICAL)


def demo_registries() -> tuple[DemoRegistry, ...]:
    from remission.analysis.cohorts import Cohort

    return (
        DemoRegistry("A", 101, "every indication"),
        DemoRegistry("B", 202, "neurological indications", Cohort(disease=NEUROLOGICAL)),
        DemoRegistry("C", 303, "rheumatological and other indications", Cohort(disease=_non_neurological())),
    )


@dataclass(frozen=True)
class BuiltRegistry:
    registry: DemoRegistry
    patients: int
    frame: pd.DataFrame
    seconds: float


def build_registry(registry: DemoRegistry, patients: int) -> BuiltRegistry:
    """Write ``patients`` synthetic patients of ``registry`` into the running database (Django set up and
    migrated) and read its analysis set through :mod:`remission.analysis` from those patients only."""
    from remission.analysis.dataset import derive_analysis_set
    from remission.analysis.loader import load_courses
    from remission.registry.access import SYSTEM
    from remission.registry.selectors.patients import patient_list
    from remission.synth.bulk import bulk_load

    started = time.perf_counter()
    bulk_load(
        seed=registry.seed, count=patients, validate="sample", audit="patient", id_prefix=registry.prefix
    )
    own = patient_list(user=SYSTEM, search=registry.prefix).values_list("pk", flat=True)
    extract = load_courses(user=SYSTEM, patient_ids=list(own))
    analysis_set = derive_analysis_set(extract, cohort=registry.cohort)
    return BuiltRegistry(registry, patients, analysis_set.frame, time.perf_counter() - started)


# --- running the analyses ----------------------------------------------------------------------------------


@contextlib.contextmanager
def node_rules(min_cell: int) -> Iterator[None]:
    """Every (mock) node's environment holds ``min_cell`` and no time grid for the block; restored after."""
    saved = {name: os.environ.get(name) for name in (MIN_CELL_VARIABLE, GRID_VARIABLE)}
    os.environ[MIN_CELL_VARIABLE] = str(min_cell)
    os.environ.pop(GRID_VARIABLE, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def federated_results(frames: Sequence[pd.DataFrame], *, min_cell: int) -> dict[str, dict[str, Any]]:
    """Every analysis through vantage6's mock client, one organisation per frame, the nodes' rules
    ``min_cell``; each result as the central entry point returns it (``to_dict()``)."""
    from vantage6.algorithm.tools.mock_client import MockAlgorithmClient

    from remission.federated import algorithm

    calls: dict[str, Callable[[Any], dict[str, Any]]] = {
        "km": lambda c: algorithm.kaplan_meier(mock_client=c, time="os_days", event="os_event"),
        "aj": lambda c: algorithm.aalen_johansen(mock_client=c, time="cr_days", cause="cr_cause"),
        "logrank": lambda c: algorithm.logrank(mock_client=c, time="os_days", event="os_event", group="sex"),
        "gray": lambda c: algorithm.gray_test(mock_client=c, time="cr_days", cause="cr_cause", group="sex"),
        "table_one": lambda c: algorithm.table_one(
            mock_client=c, variables=list(TABLE_ONE_VARIABLES), group="sex"
        ),
        "cox": lambda c: algorithm.cox(
            mock_client=c, time="os_days", event="os_event", covariates=list(COVARIATES), reference=REFERENCE
        ),
        "fine_gray": lambda c: algorithm.fine_gray(
            mock_client=c,
            time="cr_days",
            cause="cr_cause",
            cause_of_interest=NRM,
            covariates=list(COVARIATES),
            reference=REFERENCE,
        ),
    }
    results: dict[str, dict[str, Any]] = {}
    datasets = [[{"database": frame}] for frame in frames]
    with node_rules(min_cell), contextlib.redirect_stdout(io.StringIO()):  # the mock client's "info >" lines
        for name, call in calls.items():
            client = MockAlgorithmClient(datasets=datasets, module=ALGORITHM_MODULE)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    results[name] = call(client)
                except ValueError as exc:  # e.g. no NRM event left at small N: say so, go on
                    results[name] = {"error": str(exc)}
            if caught:
                results[name]["warnings"] = [str(w.message).split(";")[0] for w in caught]
    return results


@dataclass
class Pooled:
    """The pooled engine's answers on the concatenated analysis sets (``errors``: analysis -> why not)."""

    frame: pd.DataFrame
    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)


def _complete(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.dropna(subset=list(columns))


def _design(rows: pd.DataFrame) -> pd.DataFrame:
    """The covariates with the demo's reference level first (the federated fit is given the same one)."""
    X = rows[list(COVARIATES)].copy()
    others = sorted(set(X["sex"]) - {REFERENCE["sex"]})
    X["sex"] = pd.Categorical(X["sex"], categories=[REFERENCE["sex"], *others])
    return X


def pooled_results(frames: Sequence[pd.DataFrame]) -> Pooled:
    """The same analyses by :mod:`remission.survival` on the concatenated analysis sets (rows missing a
    value the analysis needs left out, as the nodes leave them out); Table 1 by pandas and NumPy."""
    from remission.survival import (
        SurvivalInputError,
        aalen_johansen,
        cox,
        fine_gray,
        gray_test,
        kaplan_meier,
        logrank_test,
    )

    pooled = pd.concat(list(frames), ignore_index=True)
    out = Pooled(frame=pooled)
    os_rows = _complete(pooled, "os_days", "os_event")
    cr_rows = _complete(pooled, "cr_days", "cr_cause")
    os_sex = _complete(os_rows, "sex")
    cr_sex = _complete(cr_rows, "sex")
    os_model = _complete(os_rows, *COVARIATES)
    cr_model = _complete(cr_rows, *COVARIATES)
    steps: dict[str, Callable[[], Any]] = {
        "km": lambda: kaplan_meier(os_rows["os_days"], os_rows["os_event"]),
        "aj": lambda: aalen_johansen(cr_rows["cr_days"], cr_rows["cr_cause"]),
        "logrank": lambda: logrank_test(os_sex["os_days"], os_sex["os_event"], os_sex["sex"].to_numpy()),
        "gray": lambda: gray_test(cr_sex["cr_days"], cr_sex["cr_cause"], cr_sex["sex"].to_numpy()),
        "table_one": lambda: pooled,
        "cox": lambda: cox(_design(os_model), os_model["os_days"], os_model["os_event"]),
        "fine_gray": lambda: fine_gray(
            _design(cr_model), cr_model["cr_days"], cr_model["cr_cause"], cause_of_interest=NRM
        ),
    }
    for name, step in steps.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out.results[name] = step()
            except (ValueError, SurvivalInputError) as exc:
                out.errors[name] = str(exc)
        if caught:
            out.warnings[name] = [str(w.message).split(";")[0] for w in caught]
    return out


# --- side by side ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One printed estimate: pooled and federated."""

    quantity: str
    pooled: float
    federated: float


@dataclass(frozen=True)
class Section:
    """One analysis side by side. ``differences``: per kind of number compared (e.g. "S(t)", "SE"), the
    largest absolute difference over all of them — every time of the curves, every coefficient — not only
    the printed lines; ``note``: what travelled, or why the analysis could not be run."""

    analysis: str
    lines: tuple[Line, ...]
    differences: dict[str, float]
    note: str = ""

    @property
    def difference(self) -> float:
        """The largest of :attr:`differences` (NaN when the analysis did not run)."""
        return max(self.differences.values()) if self.differences else math.nan


def _numbers(values: Any) -> np.ndarray:
    """A (nested) list with ``None`` for missing as float64 (NaN)."""
    return np.asarray(
        [np.nan if v is None else v for v in np.ravel(np.asarray(values, dtype=object))], dtype=np.float64
    )


def _largest(*pairs: tuple[Any, Any]) -> float:
    """The largest |a - b| over the pairs (where both are finite; NaN against a number counts as inf)."""
    worst = 0.0
    for a, b in pairs:
        x, y = _numbers(a), _numbers(b)
        if x.shape != y.shape:
            return math.inf
        both = np.isfinite(x) & np.isfinite(y)
        if (np.isfinite(x) != np.isfinite(y)).any():
            return math.inf
        if both.any():
            worst = max(worst, float(np.max(np.abs(x[both] - y[both]))))
    return worst


def _step(times: np.ndarray, values: np.ndarray, at: np.ndarray, start: float) -> np.ndarray:
    """A right-continuous step function (``start`` before the first time) at ``at``."""
    index = np.searchsorted(times, at, side="right") - 1
    return np.where(index < 0, start, values[np.maximum(index, 0)])


def _curve_difference(t1: np.ndarray, v1: np.ndarray, t2: np.ndarray, v2: np.ndarray, start: float) -> float:
    """max |f1 - f2| of two step functions over the union of their jump times."""
    at = np.union1d(t1, t2)
    if at.size == 0:
        return 0.0
    return float(np.max(np.abs(_step(t1, v1, at, start) - _step(t2, v2, at, start))))


def _bytes_note(result: dict[str, Any]) -> str:
    if "bytes_received" in result:
        per_node = [node.get("reply_bytes") for node in result.get("nodes", [])]
        return f"nodes sent {', '.join(f'{b:,}' for b in per_node if b is not None)} bytes"
    traffic = result.get("traffic") or {}
    per_node = traffic.get("bytes_per_node")
    if per_node:
        rounds = len(traffic.get("rounds", []))
        return f"{rounds} rounds; nodes sent {', '.join(f'{int(b):,}' for b in per_node)} bytes"
    return ""


def _km_section(pooled: Any, federated: dict[str, Any]) -> Section:
    (curve,) = federated["curves"]
    t, s, se = (_numbers(curve[k]) for k in ("time", "survival", "std_err"))
    differences = {
        "S(t)": _curve_difference(pooled.time, pooled.survival, t, s, 1.0),
        "its SE": _curve_difference(pooled.time, pooled.std_err, t, se, 0.0),
    }
    lines = tuple(
        Line(
            f"S({years:g} y)",
            float(pooled.at([years * YEAR]).estimate[0]),
            float(_step(t, s, np.array([years * YEAR]), 1.0)[0]),
        )
        for years in (1, 2, 5, 10)
    )
    return Section("Kaplan-Meier, overall survival", lines, differences, _bytes_note(federated))


def _aj_section(pooled: Any, federated: dict[str, Any]) -> Section:
    (curve,) = federated["curves"]
    t = _numbers(curve["time"])
    causes = [int(c) for c in curve["causes"]]
    cif = _numbers(curve["cumulative_incidence"]).reshape(t.shape[0], len(causes))
    se = _numbers(curve["std_err"]).reshape(t.shape[0], len(causes))
    differences = {"F_k(t)": 0.0, "its SE": 0.0}
    lines: list[Line] = []
    for cause, words, years in ((RELAPSE, "relapse/progression", (1, 5)), (NRM, "NRM", (100 / YEAR, 1, 5))):
        if cause not in causes or cause not in pooled.causes:
            differences["F_k(t)"] = math.inf
            continue
        j, k = causes.index(cause), int(np.flatnonzero(pooled.causes == cause)[0])
        differences["F_k(t)"] = max(
            differences["F_k(t)"],
            _curve_difference(pooled.time, pooled.cumulative_incidence[:, k], t, cif[:, j], 0.0),
        )
        differences["its SE"] = max(
            differences["its SE"], _curve_difference(pooled.time, pooled.std_err[:, k], t, se[:, j], 0.0)
        )
        for y in years:
            label = f"{words} at {'day 100' if y < 1 else f'{y:g} y'}"
            lines.append(
                Line(
                    label,
                    float(pooled.at([y * YEAR], cause).estimate[0]),
                    float(_step(t, cif[:, j], np.array([y * YEAR]), 0.0)[0]),
                )
            )
    return Section(
        "Aalen-Johansen, relapse/progression vs NRM", tuple(lines), differences, _bytes_note(federated)
    )


def _logrank_section(pooled: Any, federated: dict[str, Any]) -> Section:
    differences = {
        "chi-square": _largest((pooled.statistic, federated["statistic"])),
        "p": _largest((pooled.p_value, federated["p_value"])),
        "O, E, V": _largest(
            (pooled.observed, federated["observed"]),
            (pooled.expected, federated["expected"]),
            (pooled.variance, federated["variance"]),
        ),
    }
    lines = (
        Line("chi-square", float(pooled.statistic), float(federated["statistic"])),
        Line("p", float(pooled.p_value), float(federated["p_value"])),
    )
    return Section("Log-rank test, OS by sex", lines, differences, _bytes_note(federated))


def _gray_section(pooled: Any, federated: dict[str, Any]) -> Section:
    differences = {
        "statistics": _largest((pooled.statistic, federated["statistic"])),
        "p": _largest((pooled.p_value, federated["p_value"])),
        "scores, variances": _largest(
            (pooled.score, federated["score"]), (pooled.variance, federated["variance"])
        ),
    }
    lines: list[Line] = []
    fed_causes = [int(c) for c in federated["causes"]]
    for cause, words in ((RELAPSE, "relapse/progression"), (NRM, "NRM")):
        if cause in fed_causes and cause in pooled.causes:
            k, j = int(np.flatnonzero(pooled.causes == cause)[0]), fed_causes.index(cause)
            fed = _numbers(federated["statistic"])[j]
            lines.append(Line(f"{words}: statistic", float(pooled.statistic[k]), float(fed)))
    return Section("Gray's test by sex", tuple(lines), differences, _bytes_note(federated))


def _regression_section(title: str, ratio: str, pooled: Any, federated: dict[str, Any]) -> Section:
    same = list(pooled.names) == list(federated["names"])
    differences = {
        "coefficients": _largest((pooled.coef, federated["coef"])) if same else math.inf,
        "SEs": _largest((pooled.se, federated["se"])) if same else math.inf,
        "log-likelihood": _largest((pooled.loglik, federated["loglik"])),
    }
    lines = tuple(
        Line(f"{ratio} {name}", float(math.exp(b)), float(math.exp(f)))
        for name, b, f in zip(pooled.names, pooled.coef, federated["coef"], strict=False)
    )
    return Section(title, lines, differences, _bytes_note(federated))


def _pooled_column(frame: pd.DataFrame, group: str | None, level: Any) -> pd.DataFrame:
    """The rows of one Table 1 column: everyone (``level`` None) or one level of ``group``."""
    if group is None or level is None:
        return frame
    return frame[frame[group].astype(object).map(str) == str(level)]


def _table_one_section(pooled: pd.DataFrame, federated: dict[str, Any]) -> Section:
    """Counts (every level and missing, every column), means and SDs compared; medians printed (the
    federated median is found by bisection to a stated resolution, not exactly)."""
    group = federated["group"]
    counted, moments = 0.0, 0.0
    fed_counts = {(r["variable"], r["column"], r["level"]): r["count"] for r in federated["categorical"]}
    columns = [c["level"] for c in federated["columns"]]
    categorical = [v for v in federated["variables"] if federated["kinds"][v] != "numeric"]
    for variable in categorical:
        for column in columns:
            rows = _pooled_column(pooled, group, column)
            values = rows[variable].astype(object)
            counts = values.dropna().map(str).value_counts().to_dict()
            counts[None] = int(values.isna().sum())
            fed_levels = {lvl for (v, c, lvl) in fed_counts if v == variable and c == column}
            for level in set(counts) | {None if lvl is None else str(lvl) for lvl in fed_levels}:
                fed = next(
                    (
                        n
                        for (v, c, lvl), n in fed_counts.items()
                        if v == variable and c == column and (lvl if lvl is None else str(lvl)) == level
                    ),
                    0,
                )
                counted = max(counted, abs(int(counts.get(level, 0)) - int(fed or 0)))
    lines: list[Line] = []
    for summary in federated["numeric"]:
        rows = _pooled_column(pooled, group, summary["column"])
        values = pd.to_numeric(rows[summary["variable"]], errors="coerce").dropna().to_numpy(dtype=np.float64)
        moments = max(
            moments,
            _largest((float(values.mean()), summary["mean"]), (float(values.std(ddof=1)), summary["sd"])),
        )
        if summary["column"] is None:
            name = summary["variable"]
            lines.append(Line(f"{name}: mean", float(values.mean()), float(summary["mean"])))
            median = math.nan if summary["median"] is None else float(summary["median"])
            lines.append(
                Line(
                    f"{name}: median (to ±{federated['resolution'] / 2:g})", float(np.median(values)), median
                )
            )
    for variable, level in (("sex", "female"), ("disease", "ms"), ("disease", "ssc")):
        if variable in categorical:
            mine = int((pooled[variable].astype(object).map(str) == level).sum())
            fed = next(
                (n for (v, c, lvl), n in fed_counts.items() if (v, c, lvl) == (variable, None, level)), 0
            )
            lines.append(Line(f"{variable} {level}: n", float(mine), float(fed or 0)))
    differences = {"counts": counted, "means and SDs": moments}
    note = f"medians to ±{federated['resolution'] / 2:g} by design; {_bytes_note(federated)}"
    return Section("Table 1 by sex", tuple(lines), differences, note)


SECTIONS: dict[str, str] = {
    "km": "Kaplan-Meier, overall survival",
    "aj": "Aalen-Johansen, relapse/progression vs NRM",
    "logrank": "Log-rank test, OS by sex",
    "gray": "Gray's test by sex",
    "table_one": "Table 1 by sex",
    "cox": "Cox, overall survival",
    "fine_gray": "Fine-Gray, NRM",
}

SHORT: dict[str, str] = {
    "km": "KM",
    "aj": "AJ",
    "logrank": "log-rank",
    "gray": "Gray",
    "table_one": "Table 1",
    "cox": "Cox",
    "fine_gray": "Fine-Gray",
}


def compare(pooled: Pooled, federated: dict[str, dict[str, Any]]) -> list[Section]:
    """Every analysis side by side (an analysis that could not run, pooled or federated, says why)."""
    sections: list[Section] = []
    for name, title in SECTIONS.items():
        fed = federated.get(name, {"error": "not run"})
        why = pooled.errors.get(name) or fed.get("error")
        if why:
            sections.append(Section(title, (), {}, f"not estimable: {why}"))
            continue
        mine = pooled.results[name]
        if name == "km":
            section = _km_section(mine, fed)
        elif name == "aj":
            section = _aj_section(mine, fed)
        elif name == "logrank":
            section = _logrank_section(mine, fed)
        elif name == "gray":
            section = _gray_section(mine, fed)
        elif name == "table_one":
            section = _table_one_section(mine, fed)
        else:
            section = _regression_section(title, "HR" if name == "cox" else "sHR", mine, fed)
        said = sorted({*pooled.warnings.get(name, []), *fed.get("warnings", [])})
        if said:
            section = replace(section, note="; ".join([*said, section.note]))
        sections.append(section)
    return sections


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    if value == round(value) and abs(value) >= 1:
        return f"{value:,.0f}"
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.3e}"
    return f"{value:.4f}"


def _difference(value: float) -> str:
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "not comparable (different shapes)"
    return "0" if value == 0 else f"{value:.1e}"


def format_sections(sections: Sequence[Section], *, federated: str, moved: str) -> list[str]:
    """The side-by-side table: per analysis its printed estimates, then the largest difference."""
    out = [f"{'':44}{'pooled':>14}{federated:>14}"]
    for section in sections:
        out.append(section.analysis)
        for line in section.lines:
            out.append(f"  {line.quantity:<42}{_number(line.pooled):>14}{_number(line.federated):>14}")
        if not section.differences:
            out.append(f"  {section.note}")
            continue
        kinds = ", ".join(f"{kind} {_difference(value)}" for kind, value in section.differences.items())
        out.append(f"  {moved} {kinds}")
        if section.note:
            out.append(f"  ({section.note})")
    return out


def largest(sections: Sequence[Section]) -> float:
    """The largest difference over the analyses that ran."""
    values = [s.difference for s in sections if not math.isnan(s.difference)]
    return max(values) if values else math.nan


@dataclass(frozen=True)
class DemoReport:
    registries: tuple[BuiltRegistry, ...]
    exact: tuple[Section, ...]
    coarse: tuple[Section, ...]
    seconds: float


def run_demo(
    patients: int,
    *,
    write: Callable[[str], None] = print,
    progress: Callable[[str], None] | None = None,
) -> DemoReport:
    """Build the three registries in the running (migrated, empty) database, run every analysis pooled and
    federated with exact then default rules, and ``write`` the comparison line by line."""
    from remission.federated.privacy import DEFAULT_MIN_CELL

    started = time.perf_counter()
    built: list[BuiltRegistry] = []
    for registry in demo_registries():
        if progress is not None:
            progress(f"Building registry {registry.name} ({registry.scope}; seed {registry.seed}) …")
        built.append(build_registry(registry, patients))
    frames = [b.frame for b in built]
    pooled = pooled_results(frames)
    exact = compare(pooled, federated_results(frames, min_cell=1))
    coarse = compare(pooled, federated_results(frames, min_cell=DEFAULT_MIN_CELL))
    seconds = time.perf_counter() - started

    write("Federated analysis demo: three synthetic registries through vantage6's mock client")
    write("(no Docker, no server: each registry is a node of this process; no row leaves a node)")
    for b in built:
        r = b.registry
        write(
            f"  registry {r.name}: seed {r.seed}, {b.patients:,} patients written, "
            f"{len(b.frame):,} analysed ({r.scope})"
        )
    write(f"  pooled: the three analysis sets concatenated ({len(pooled.frame):,} rows), remission.survival")
    write("")
    write("1. Exact rules at every node (minimum cell count 1, no time grid): federated = pooled")
    for line in format_sections(
        exact, federated="federated", moved="max |pooled − federated| over all of it:"
    ):
        write(line)
    worst = largest(exact)
    verdict = "yes" if worst <= EXACT_TOLERANCE else "NO"
    write(f"Largest |pooled − federated| over all analyses: {_difference(worst)} (≤ 1e-9: {verdict})")
    write("")
    write(
        f"2. Default rules at every node (minimum cell count {DEFAULT_MIN_CELL}, no time grid): times merged "
        f"until each holds ≥ {DEFAULT_MIN_CELL} rows, smaller cells suppressed"
    )
    for line in format_sections(
        coarse, federated=f"min cell {DEFAULT_MIN_CELL}", moved="coarsening moved it by"
    ):
        write(line)
    moved = ", ".join(
        f"{SHORT[name]} {kind} {_difference(value)}"
        for name, section in zip(SECTIONS, coarse, strict=True)
        for kind, value in list(section.differences.items())[:1]
    )
    write(f"Coarsening moved the main estimates by at most: {moved}")
    write(f"Demo took {seconds:.0f} s ({patients:,} patients per registry).")
    return DemoReport(tuple(built), tuple(exact), tuple(coarse), seconds)
