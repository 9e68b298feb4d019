# Reference scores for remission.analysis.prediction.validate: riskRegression::Score (time-dependent AUC,
# IPCW Brier score, the null model's Brier score and IPA), survival::concordance (Harrell's C truncated
# at the horizon; Uno's C, timewt = "n/G2", for OS and PFS) and the calibration slope (coxph /
# cmprsk::crr of the outcome censored at the horizon on the linear predictor), on the predictions in
# validation_predictions.csv (written by make_validation_predictions.py: the same predictions the Python
# side scores).
#
#   cd tests/reference/prediction && Rscript make_validation_reference.R
#
# Score: formula Hist(time, status) ~ 1 with cens.model = "km" (Kaplan-Meier of the censoring, no
# covariates), null.model = TRUE, se.fit = FALSE, summary = "ipa"; for NRM Hist(cr_days, cr_cause) ~ 1
# with cause = 2 (relapse/progression, cause 1, competing). The predicted risks are 1 - S(t | x) (OS,
# PFS) and the cumulative incidence F(t | x) (NRM), one column per horizon.
# Writes expected_validation.csv (endpoint, horizon, what, value; 17 significant digits).
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
  library(prodlim)
  library(riskRegression)
})

d <- read.csv("validation_predictions.csv")
YEAR <- 365.25
rows <- list()
add <- function(endpoint, horizon, what, value) {
  rows[[length(rows) + 1]] <<- data.frame(endpoint = endpoint, horizon = horizon, what = what,
                                          value = sprintf("%.17g", value))
}
key <- function(h) gsub(".", "_", format(h, nsmall = 0), fixed = TRUE)

models <- list(
  OS = list(time = "os_days", status = "os_event", cause = 1, horizons = c(YEAR, 5 * YEAR)),
  PFS = list(time = "pfs_days", status = "pfs_event", cause = 1, horizons = c(YEAR, 5 * YEAR)),
  NRM = list(time = "cr_days", status = "cr_cause", cause = 2, horizons = c(100, YEAR))
)
for (endpoint in names(models)) {
  m <- models[[endpoint]]
  risk <- sapply(m$horizons, function(h) d[[paste0("risk_", endpoint, "_", key(h))]])
  e <- data.frame(time = d[[m$time]], status = d[[m$status]], lp = d[[paste0("lp_", endpoint)]])
  sc <- Score(list(model = risk), formula = Hist(time, status) ~ 1, data = e, times = m$horizons,
              cause = m$cause, metrics = c("auc", "brier"), summary = "ipa", cens.model = "km",
              null.model = TRUE, se.fit = FALSE, conf.int = FALSE)
  for (k in seq_along(m$horizons)) {
    h <- m$horizons[k]
    b <- sc$Brier$score[times == h]
    a <- sc$AUC$score[times == h]
    add(endpoint, h, "brier", b[model == "model"]$Brier)
    add(endpoint, h, "brier_null", b[model == "Null model"]$Brier)
    add(endpoint, h, "ipa", b[model == "model"]$IPA)
    add(endpoint, h, "auc", a[model == "model"]$AUC)
    # truncated at the horizon; a competing event is censored at the horizon (comparable to the end)
    competing <- e$status > 0 & e$status != m$cause
    tt <- ifelse(competing, h, pmin(e$time, h))
    ee <- as.integer(e$status == m$cause & e$time <= h)
    add(endpoint, h, "harrell_c", concordance(Surv(tt, ee) ~ e$lp, reverse = TRUE)$concordance)
    # Uno's C (event pairs weighted by 1/G(t-)^2): for OS and PFS only, since on the truncated data a
    # relapse/progression becomes a censoring at the horizon and would enter R's censoring distribution
    if (endpoint != "NRM") {
      add(endpoint, h, "uno_c", concordance(Surv(tt, ee) ~ e$lp, reverse = TRUE, timewt = "n/G2")$concordance)
    }
    # calibration slope: the outcome censored at the horizon on the linear predictor
    ts <- pmin(e$time, h)
    cs <- ifelse(e$time <= h, e$status, 0)
    if (endpoint == "NRM") {
      slope <- crr(ts, cs, cbind(lp = e$lp), failcode = m$cause, cencode = 0)$coef[1]
    } else {
      slope <- coef(coxph(Surv(ts, cs == m$cause) ~ e$lp, ties = "efron"))[1]
    }
    add(endpoint, h, "calibration_slope", slope)
  }
}
out <- do.call(rbind, rows)
write.csv(out, "expected_validation.csv", row.names = FALSE, quote = FALSE)
cat("riskRegression", format(packageVersion("riskRegression")), "; survival",
    format(packageVersion("survival")), "; cmprsk", format(packageVersion("cmprsk")), "\n")
cat("wrote", nrow(out), "rows to expected_validation.csv\n")
