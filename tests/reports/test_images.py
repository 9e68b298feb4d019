"""A figure's PNG: RGB on white, the same pixels matplotlib's own PNG of the figure has (checked against
``savefig(format="png")``, which draws a figure with a layout engine twice where ``figure_png`` draws it
once), at the report's resolution."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from remission.reports import style
from remission.reports.images import REPORT_DPI, figure_png


@pytest.mark.parametrize("height", [3.7, 0.6 + 2.6 * 2, 2.05])  # inches: whole and fractional pixels
def test_the_png_is_matplotlib_s_pixels_without_the_alpha_channel(height: float) -> None:
    with style.house_style():
        fig = style.new_figure(height)
        ax = fig.add_subplot()
        ax.plot([0, 1, 2], [1, 3, 2], alpha=0.5)  # translucent, over the white
        ax.fill_between([0, 2], [0, 1], [1, 2], alpha=0.2)
        ax.set_title("A title")
    mine = Image.open(io.BytesIO(figure_png(fig)))
    theirs_png = io.BytesIO()
    fig.savefig(theirs_png, format="png", dpi=REPORT_DPI, facecolor="white")
    theirs = np.asarray(Image.open(theirs_png))
    assert mine.mode == "RGB"
    assert (theirs[..., 3] == 255).all()  # on white every pixel is opaque: nothing is lost
    np.testing.assert_array_equal(np.asarray(mine), theirs[..., :3])  # exact
    assert (
        mine.size
        == (theirs.shape[1], theirs.shape[0])
        == (round(style.WIDTH * REPORT_DPI), int(height * REPORT_DPI))
    )


def test_a_laid_out_figure_of_two_axes_is_drawn_as_savefig_draws_it_and_left_as_it_was() -> None:
    """The shape of a survival figure: curves over a number-at-risk table sharing its x axis, the y labels
    aligned, a legend, long tick labels for the constrained layout to make room for."""
    with style.house_style():
        fig = style.new_figure(4.8)
        grid = fig.add_gridspec(2, 1, height_ratios=[3, 1])
        ax = fig.add_subplot(grid[0])
        table = fig.add_subplot(grid[1], sharex=ax)
        for i, label in enumerate(["Systemic sclerosis", "Multiple sclerosis"]):
            ax.step([0, 1, 3, 5], [1.0, 0.9 - i / 10, 0.8 - i / 10, 0.7], where="post", label=label)
        ax.set_ylabel("Overall survival")
        ax.legend(loc="lower left")
        table.set_yticks([0, 1], ["Systemic sclerosis", "Multiple sclerosis"])
        table.set_ylabel("At risk")
        table.set_xlabel("Years since infusion")
        fig.align_ylabels()
        fig.set_facecolor("lightyellow")  # the PNG is on white all the same
    dpi, background = fig.dpi, fig.get_facecolor()
    mine = np.asarray(Image.open(io.BytesIO(figure_png(fig))))
    assert (fig.dpi, fig.get_facecolor()) == (dpi, background)
    theirs_png = io.BytesIO()
    fig.savefig(theirs_png, format="png", dpi=REPORT_DPI, facecolor="white")
    theirs = np.asarray(Image.open(theirs_png))
    np.testing.assert_array_equal(mine, theirs[..., :3])  # exact


def test_a_title_is_not_moved_since_nothing_is_drawn_above_the_axes() -> None:
    """The house style keeps titles at the top of their axes (no search for what is drawn above them):
    so nothing may be drawn there. Values a million apart by one and values in the millions are ticked
    with whole numbers, not an offset or a ×10ⁿ multiplier over the axis."""
    for values in ([2_000_000, 2_000_001], [1e7, 5e7]):
        with style.house_style():
            fig = style.new_figure(3.0)
            ax = fig.add_subplot()
            ax.plot([0, 1], values)
            ax.set_title("Patients")
        figure_png(fig)  # drawn: ticks and titles placed
        assert ax.yaxis.get_offset_text().get_text() == ""
        assert ax.title.get_position()[1] == 1.0
        assert "e" not in ax.get_yticklabels()[1].get_text()
