"""A figure's PNG: RGB on white, the same pixels matplotlib's own PNG of the figure has (checked against
``savefig(format="png")``), at the report's resolution."""

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
