# Reference standard errors of a Cox model's predicted cumulative hazard for remission.survival.cox
# (CoxResult.cumhaz_terms / cumhaz_std_err): survfit(fit, newdata)$std.err, the se of Λ(t | x) with the
# baseline hazard's variance (Tsiatis / Andersen-Gill; Efron's tie correction as survfit.coxph applies it
# for ties = "efron"), read at the times below as summary(survfit, times, extend = TRUE) reads them.
#
#   cd tests/reference/regression && Rscript make_survfit_se_reference.R
#
# Reads data_lung.csv, data_ovarian.csv (written by make_reference.R), cox_tied.csv, cox_counting.csv
# (written by make_datasets.py). coxph with non-integer case weights uses the robust variance by default
# (fit$naive.var is set), and survfit uses fit$var: the weighted cases are fitted robust = TRUE in Python.
# Writes cox_survfit_se.csv (case, row, time, std_err, cumhaz; 17 significant digits).
suppressPackageStartupMessages(library(survival))

lung2 <- read.csv("data_lung.csv")
ovarian2 <- read.csv("data_ovarian.csv")
tied <- read.csv("cox_tied.csv")
cnt <- read.csv("cox_counting.csv")

out <- list()
se_case <- function(case, fit, newdata, times) {
  sf <- survfit(fit, newdata = newdata)
  at <- findInterval(times, sf$time)
  se <- as.matrix(sf$std.err)[at, , drop = FALSE]
  chaz <- as.matrix(sf$cumhaz)[at, , drop = FALSE]
  # survfit's std.err is on the cumulative hazard: summary's is that times the survival
  s <- summary(sf, times = times, extend = TRUE)
  stopifnot(max(abs(matrix(s$std.err, nrow = length(times)) - se * exp(-chaz))) < 1e-12)
  for (i in seq_len(nrow(newdata))) {
    out[[length(out) + 1]] <<- data.frame(case = case, row = i, time = times,
                                          std_err = sprintf("%.17g", se[, i]),
                                          cumhaz = sprintf("%.17g", chaz[, i]))
  }
}

se_case("lung_efron", coxph(Surv(time, status) ~ age + sex + ph.ecog, lung2), lung2[1:3, ],
        c(100, 365, 700))
se_case("lung_breslow_robust",
        coxph(Surv(time, status) ~ age + sex + ph.ecog, lung2, ties = "breslow", robust = TRUE),
        lung2[1:3, ], c(100, 365, 700))
se_case("ovarian_efron", coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, ovarian2), ovarian2[1:2, ],
        c(200, 500, 1000))
se_case("tied_efron", coxph(Surv(time, event) ~ x1 + x2 + disease + sex, tied), tied[1:3, ],
        c(5, 20, 50))
se_case("tied_breslow", coxph(Surv(time, event) ~ x1 + x2 + disease + sex, tied, ties = "breslow"),
        tied[1:3, ], c(5, 20, 50))
se_case("tied_weights_efron", coxph(Surv(time, event) ~ x1 + x2 + disease + sex, tied, weights = w),
        tied[1:3, ], c(5, 20, 50))
se_case("counting_efron", coxph(Surv(start, stop, event) ~ treated + age, cnt), cnt[1:2, ],
        c(40, 100, 250))
write.csv(do.call(rbind, out), "cox_survfit_se.csv", row.names = FALSE)
cat("wrote cox_survfit_se.csv\n")
