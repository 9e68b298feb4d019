"""remission.reports: analysis results as plots, HTML and PDF.

- plots (:mod:`.curves`, :mod:`.forest`, :mod:`.funnel`, :mod:`.trajectories`): Matplotlib figures in
  one house style (:mod:`.style`);
- the outcomes report: :mod:`.outcomes_report` (what it holds), :mod:`.html` and :mod:`.pdf` (how it looks),
  :mod:`.bundle` (its tables as CSV), :mod:`.pipeline` (the whole run, timed by stage).

Reports never read the database and compute nothing: the data and every number come from
:mod:`remission.analysis`.
"""

from remission.reports.curves import plot_cumulative_incidence, plot_stacked_incidence, plot_survival
from remission.reports.forest import ForestRow, plot_forest
from remission.reports.funnel import plot_funnel
from remission.reports.images import figure_png, figure_svg, save_figure
from remission.reports.trajectories import plot_immune_reconstitution, plot_score_trajectories

__all__ = [
    "ForestRow",
    "figure_png",
    "figure_svg",
    "plot_cumulative_incidence",
    "plot_forest",
    "plot_funnel",
    "plot_immune_reconstitution",
    "plot_score_trajectories",
    "plot_stacked_incidence",
    "plot_survival",
    "save_figure",
]
