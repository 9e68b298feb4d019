"""The model report's validation section: the calibration plot and its groups, and the internal-external
(leave-each-centre-out) results, printed from a stored validation written here by hand (known numbers;
the shape is that of ``Validation.to_dict()``)."""

from __future__ import annotations

from typing import Any

from remission.analysis.prediction import ModelSet
from remission.reports.document import Document, FigureBlock, Table
from remission.reports.html import render_html
from remission.reports.model_report import model_report_document
from remission.reports.pdf import render_pdf
from tests.analysis.prediction.conftest import data, model_set  # noqa: F401  (fixtures)


def _metrics(n: int, events: int, auc: float, brier: float, scaled: float, c: float, slope: float) -> dict:
    return {
        "n": n,
        "events": events,
        "competing": None,
        "censored": 3,
        "auc": auc,
        "brier": brier,
        "brier_null": 0.2,
        "scaled_brier": scaled,
        "harrell_c": c,
        "uno_c": c,
        "calibration_slope": slope,
        "mean_risk": 0.25,
        "observed_risk": 0.24,
    }


def _result(endpoint: str, horizon: str, days: float, slope: float, groups: list[dict], centres: list[dict],
            pooled: dict | None) -> dict[str, Any]:  # fmt: skip
    nothing = dict.fromkeys(("auc", "brier", "scaled_brier", "harrell_c", "uno_c", "calibration_slope"))
    return {
        "endpoint": endpoint,
        "horizon_days": days,
        "horizon": horizon,
        "apparent": _metrics(200, 40, 0.7, 0.15, 0.25, 0.68, slope),
        "optimism": nothing,
        "corrected": nothing,
        "bootstrap_used": dict.fromkeys(nothing, 0),
        "centres": centres,
        "centres_scored": sum(c["metrics"] is not None for c in centres),
        "pooled": pooled,
        "calibration": groups,
    }


GROUPS_1Y = [
    {"n": 20, "events": 1, "mean_risk": 0.0512, "observed_risk": 0.05},
    {"n": 20, "events": 5, "mean_risk": 0.2234, "observed_risk": 0.2571},
]
GROUPS_5Y = [
    {"n": 20, "events": 6, "mean_risk": 0.3111, "observed_risk": 0.3333},
    {"n": 20, "events": 12, "mean_risk": 0.6049, "observed_risk": None},  # undefined observed risk
]
CENTRES = [
    {"centre": "C01", "n": 120, "events": 22, "unpredictable": 2,
     "metrics": _metrics(118, 22, 0.7123, 0.1456, 0.2109, 0.6987, 0.8766), "skipped": None},
    {"centre": "C02", "n": 15, "events": 4, "unpredictable": 0, "metrics": None,
     "skipped": "fewer than 10 events by the horizon"},
]  # fmt: skip
POOLED = _metrics(118, 22, 0.7001, 0.1502, 0.1988, 0.6954, 0.9123)
VALIDATION: dict[str, Any] = {
    "model_version": "pm-test",
    "n": 200,
    "bootstrap": 0,
    "seed": 1,
    "bootstrap_fitted": 0,
    "bootstrap_failures": [],
    "centre_column": "centre",
    "min_centre_events": 10,
    "centre_note": None,
    "centres_skipped": [{"centre": "C03", "reason": "no events"}],
    "results": [
        _result("OS", "1 year", 365.25, 1.234, GROUPS_1Y, CENTRES, POOLED),
        _result("OS", "5 years", 1826.25, 0.987, GROUPS_5Y, [], None),
    ],
    "methods": "by hand",
}


def _table(document: Document, csv_name: str) -> Table:
    return next(t for t in document.tables() if t.csv_name == csv_name)


def test_calibration_groups_are_printed_in_percent(model_set: ModelSet) -> None:  # noqa: F811
    table = _table(model_report_document(model_set, VALIDATION), "model-calibration.csv")
    assert table.header == ("model", "horizon", "group", "n", "events", "mean predicted (%)", "observed (%)")
    assert table.rows == (
        ("OS", "1 year", "1", "20", "1", "5.1", "5.0"),
        ("OS", "1 year", "2", "20", "5", "22.3", "25.7"),
        ("OS", "5 years", "1", "20", "6", "31.1", "33.3"),
        ("OS", "5 years", "2", "20", "12", "60.5", "–"),
    )


def test_internal_external_rows_are_each_centre_then_pooled(model_set: ModelSet) -> None:  # noqa: F811
    table = _table(model_report_document(model_set, VALIDATION), "model-centres.csv")
    assert table.header[2:12] == (
        "centre left out",
        "n",
        "events",
        "rows not predictable",
        "AUC",
        "Brier",
        "scaled Brier",
        "Harrell's C",
        "calibration slope",
        "not scored because",
    )
    assert table.rows == (
        ("OS", "1 year", "C01", "120", "22", "2", "0.712", "0.146", "0.211", "0.699", "0.877", ""),
        ("OS", "1 year", "C02", "15", "4", "0", "–", "–", "–", "–", "–",
         "fewer than 10 events by the horizon"),
        ("OS", "1 year", "pooled (left-out predictions)", "118", "22", "–",
         "0.700", "0.150", "0.199", "0.695", "0.912", ""),
    )  # fmt: skip


def test_one_calibration_figure_per_endpoint_with_the_apparent_slopes(model_set: ModelSet) -> None:  # noqa: F811
    document = model_report_document(model_set, VALIDATION)
    figures = document.figures()
    assert [f.name for f in figures] == ["calibration-os"]
    figure: FigureBlock = figures[0]
    assert figure.png.startswith(b"\x89PNG") and figure.alt
    assert "tenths of predicted risk" in figure.caption and "apparent" in figure.caption
    assert "1 year: 1.23" in figure.caption and "5 years: 0.99" in figure.caption
    # calibration in the large: the apparent mean predicted (0.25) and observed (0.24) risks, in %
    assert "1 year: 25.0 % predicted, 24.0 % observed" in figure.caption
    page = render_html(document)
    assert 'id="figure-calibration-os"' in page and "C02" in page and "pooled (left-out predictions)" in page
    assert "C03 (no events)" in page  # the centres not scored at all


def test_the_plot_has_a_series_per_horizon_and_the_diagonal() -> None:
    from remission.reports.calibration_plot import GID_DIAGONAL, GID_SERIES, plot_calibration

    fig = plot_calibration([("1 year", GROUPS_1Y), ("5 years", GROUPS_5Y)], title="t")
    lines = fig.axes[0].get_lines()
    series = [line for line in lines if line.get_gid() == GID_SERIES]
    assert [line.get_label() for line in series] == ["1 year", "5 years"]
    # points in %, the group with an undefined observed risk left out
    assert list(series[0].get_xdata()) == [5.12, 22.34] and list(series[0].get_ydata()) == [5.0, 25.71]
    assert list(series[1].get_xdata()) == [31.11]
    assert any(line.get_gid() == GID_DIAGONAL for line in lines)


def test_a_validation_without_centres_or_calibration_still_renders(model_set: ModelSet) -> None:  # noqa: F811
    bare = {**VALIDATION, "results": [{**r, "calibration": [], "centres": [], "pooled": None}
                                      for r in VALIDATION["results"]], "centres_skipped": [],
            "centre_note": "the frame has no column 'centre'"}  # fmt: skip
    document = model_report_document(model_set, bare)
    assert document.figures() == []
    assert not any(t.csv_name in ("model-calibration.csv", "model-centres.csv") for t in document.tables())
    assert "the frame has no column" in render_html(document)


def test_without_validation_it_renders_to_html_and_pdf(model_set: ModelSet) -> None:  # noqa: F811
    document = model_report_document(model_set)
    assert document.figures() == [] and "stored without a validation" in render_html(document)
    assert render_pdf(model_report_document(model_set, VALIDATION)).startswith(b"%PDF")
