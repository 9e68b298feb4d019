"""A figure's curves as a table: read at the horizontal axis's ticks, as a reader would read the plot."""

from __future__ import annotations

from django.utils import translation
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, PercentFormatter

from remission.reports.figure_data import figure_table
from remission.reports.images import figure_block


def _figure() -> Figure:
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.set_title("Overall survival")
    ax.set_xlabel("Years since infusion")
    # a Kaplan-Meier-like step curve: 100% until year 1, 80% until year 3, then 50% until year 4
    ax.step([0, 1, 3, 4], [1.0, 0.8, 0.5, 0.5], where="post", label="All patients")
    ax.plot([0, 4], [0.0, 0.4], label="A straight line")  # read between its points
    ax.plot([2], [0.3], linestyle="None", marker="o", label="A point")  # points, not a curve: left out
    ax.plot([0, 4], [0.2, 0.2], label="_a line without a name")  # not in the legend: left out
    ax.set_xlim(0, 5)
    ax.xaxis.set_major_locator(FixedLocator([0, 1, 2, 3, 4, 5]))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    fig.canvas.draw()
    return fig


def test_a_step_curve_is_read_at_each_tick_and_a_line_between_its_points() -> None:
    table = figure_table(_figure(), "The data")
    assert table is not None
    assert table.header == ("Panel", "Curve", "Years since infusion", "Value")
    values = {(curve, at): value for _, curve, at, value in table.rows}
    # hand-read from the curve drawn above (a step holds its value until the next step)
    assert [values["All patients", at] for at in "012345"] == [
        "100.0%",
        "80.0%",
        "80.0%",
        "50.0%",
        "50.0%",
        "",
    ]
    # the line from (0, 0) to (4, 0.4) at x = 1, 2, 3: 0.1, 0.2, 0.3 (beyond x = 4: not drawn)
    assert [values["A straight line", at] for at in "012345"] == [
        "0.0%",
        "10.0%",
        "20.0%",
        "30.0%",
        "40.0%",
        "",
    ]
    assert {curve for _, curve, _, _ in table.rows} == {"All patients", "A straight line"}


def test_in_french_the_numbers_take_the_decimal_comma() -> None:
    with translation.override("fr"):
        table = figure_table(_figure(), "Les données")
    assert table is not None
    values = {(curve, at): value for _, curve, at, value in table.rows}
    assert values["All patients", "1"] == "80,0\u00a0%"


def test_a_figure_without_a_named_curve_has_no_table_and_a_report_block_carries_its_table() -> None:
    bare = Figure()
    bare.subplots().plot([0, 1], [0, 1])
    bare.canvas.draw()
    assert figure_table(bare, "none") is None
    block = figure_block(_figure(), "os", "Overall survival.", "Overall survival curve")
    assert block.data is not None and len(block.data.rows) == 12


def test_on_a_logarithmic_axis_a_line_is_read_along_the_segment_drawn() -> None:
    fig = Figure()
    ax = fig.subplots()
    ax.plot([1, 100], [0.0, 2.0], label="limit")
    ax.set_xscale("log")
    ax.set_xlim(1, 100)
    ax.xaxis.set_major_locator(FixedLocator([1, 10, 100]))
    fig.canvas.draw()
    table = figure_table(fig, "log")
    assert table is not None
    # x = 10 is halfway from 1 to 100 on a log axis: halfway from 0 to 2 (a linear reading would say 0.182)
    assert [value for *_, value in table.rows] == ["0", "1", "2"]
