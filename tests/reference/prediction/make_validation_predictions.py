"""Write the predictions the validation reference scores: validation_predictions.csv.

Run from the repository root:   python3 tests/reference/prediction/make_validation_predictions.py
then:                           cd tests/reference/prediction && Rscript make_validation_reference.R

The models are fitted on data_prediction.csv (cut-off 2025-06-30, the default settings); for each fitted
row the file holds the outcomes (OS, PFS, competing risks) and the models' linear predictors and
predicted risks (1 - survival for OS and PFS at 1 and 5 years, cumulative incidence of NRM at 100 days
and 1 year), 17 significant digits. These are the *input* of both sides of the reference test: R's
riskRegression::Score and remission's validate.score see the same predictions.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from remission.analysis.prediction import fit_prediction_models
from remission.analysis.prediction.validate import predicted_risks

HERE = Path(__file__).resolve().parent
OUTCOMES = ["os_days", "os_event", "pfs_days", "pfs_event", "cr_days", "cr_cause"]


def predictions() -> pd.DataFrame:
    data = pd.read_csv(HERE / "data_prediction.csv")
    model_set = fit_prediction_models(data, cutoff=dt.date(2025, 6, 30))
    risks = predicted_risks(model_set, data)
    out = pd.concat([data.loc[risks.index, OUTCOMES], risks], axis=1)
    out.columns = [c.replace(".", "_") for c in out.columns]  # risk_OS_365.25 -> risk_OS_365_25
    return out.reset_index(drop=True)


if __name__ == "__main__":
    table = predictions()
    table.to_csv(HERE / "validation_predictions.csv", index=False, float_format="%.17g")
    print(f"wrote {len(table)} rows to validation_predictions.csv")
