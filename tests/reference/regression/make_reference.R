# Reference values for the regression half of remission.survival: coxph and cmprsk::crr.
#
# Sourced by tests/reference/make_reference.R (chdir = TRUE), or run here:
#   cd tests/reference/regression && Rscript make_reference.R
# Reads the data sets written by make_datasets.py and R's own lung, ovarian, veteran and heart; writes
#   data_*.csv            the R data sets as the tests read them
#   cox_reference.csv     long format: case, what, key, value (17 significant digits)
#   fg_reference.csv      the same for crr (with var and invinf for the fg_groups cases)
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

out <- list()
put <- function(case, what, key, value) {
  out[[length(out) + 1]] <<- data.frame(case = case, what = what, key = as.character(key),
                                        value = format(as.numeric(value), digits = 17),
                                        stringsAsFactors = FALSE)
}

lung2 <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog")])
lung2$status <- lung2$status - 1
write.csv(lung2, "data_lung.csv", row.names = FALSE)
write.csv(ovarian[, c("futime", "fustat", "age", "ecog.ps", "rx")], "data_ovarian.csv", row.names = FALSE)
write.csv(veteran, "data_veteran.csv", row.names = FALSE)
write.csv(heart, "data_heart.csv", row.names = FALSE)

tied <- read.csv("cox_tied.csv")
cont <- read.csv("cox_continuous.csv")
cnt <- read.csv("cox_counting.csv")

cox_case <- function(case, fit, data, newdata = NULL, times = NULL) {
  b <- coef(fit)
  for (j in seq_along(b)) {
    put(case, "coef", names(b)[j], b[j])
    naive <- if (is.null(fit$naive.var)) fit$var else fit$naive.var
    put(case, "se", names(b)[j], sqrt(diag(naive))[j])
    if (!is.null(fit$naive.var)) put(case, "robust_se", names(b)[j], sqrt(diag(fit$var))[j])
  }
  put(case, "loglik", 0:1, fit$loglik)
  put(case, "score", "statistic", fit$score)
  put(case, "wald", "statistic", fit$wald.test)
  put(case, "lr", "statistic", 2 * diff(fit$loglik))
  put(case, "iter", "n", fit$iter)
  put(case, "n", "n", fit$n)
  put(case, "nevent", "n", fit$nevent)
  cc <- fit$concordance
  put(case, "concordance", names(cc), cc)
  bh <- basehaz(fit, centered = FALSE)
  key <- if (is.null(bh$strata)) format(bh$time, digits = 17) else paste(bh$strata, format(bh$time, digits = 17), sep = "|")
  put(case, "basehaz", key, bh$hazard)
  bhc <- basehaz(fit, centered = TRUE)
  key <- if (is.null(bhc$strata)) format(bhc$time, digits = 17) else paste(bhc$strata, format(bhc$time, digits = 17), sep = "|")
  put(case, "basehaz_centered", key, bhc$hazard)
  if (!is.null(newdata)) {
    s <- summary(survfit(fit, newdata = newdata), times = times, extend = TRUE)
    surv <- matrix(s$surv, nrow = length(times))
    for (i in seq_len(nrow(newdata))) put(case, "predict", paste(i, times, sep = "|"), surv[, i])
  }
}

f <- coxph(Surv(time, status) ~ age + sex + ph.ecog, lung2)
cox_case("lung_efron", f, lung2, lung2[1:3, ], c(100, 365, 700))
f <- coxph(Surv(time, status) ~ age + sex + ph.ecog, lung2, ties = "breslow", robust = TRUE)
cox_case("lung_breslow_robust", f, lung2, lung2[1:3, ], c(100, 365, 700))
f <- coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, ovarian)
cox_case("ovarian_efron", f, ovarian, ovarian[1:2, ], c(200, 500, 1000))
f <- coxph(Surv(time, status) ~ trt + karno + celltype + strata(prior), veteran)
cox_case("veteran_factor_strata", f, veteran)
f <- coxph(Surv(start, stop, event) ~ age + year + surgery + transplant + cluster(id), heart)
cox_case("heart_counting_cluster", f, heart, heart[c(1, 3), ], c(50, 200, 1000))
f <- coxph(Surv(time, event) ~ x1 + x2 + disease + sex, tied)
cox_case("tied_efron", f, tied, tied[1:3, ], c(5, 20, 50))
f <- coxph(Surv(time, event) ~ x1 + x2 + disease + sex, tied, ties = "breslow")
cox_case("tied_breslow", f, tied, tied[1:3, ], c(5, 20, 50))
f <- coxph(Surv(time, event) ~ x1 + x2 + disease + sex + strata(centre) + cluster(cluster), tied, weights = w)
cox_case("tied_weights_strata_cluster", f, tied)
f <- coxph(Surv(time, event) ~ x1 + x2 + disease + sex, tied, weights = w, ties = "breslow", robust = TRUE)
cox_case("tied_weights_breslow_robust", f, tied, tied[1:2, ], c(10, 40))
f <- coxph(Surv(time, event) ~ x1 + x2 + x3, cont)
cox_case("continuous_efron", f, cont, cont[1:2, ], c(0.2, 0.5, 1.5))
f <- coxph(Surv(start, stop, event) ~ treated + age + cluster(id), cnt)
cox_case("counting_left_truncated", f, cnt, cnt[1:2, ], c(40, 100, 250))
f <- coxph(Surv(start, stop, event) ~ treated + age, cnt, ties = "breslow")
cox_case("counting_breslow", f, cnt)

cox_out <- do.call(rbind, out)
write.csv(cox_out, "cox_reference.csv", row.names = FALSE)

# ---- Fine-Gray (cmprsk::crr) ----
out <- list()
fg_case <- function(case, fit, newcov = NULL) {
  b <- fit$coef
  se <- sqrt(diag(fit$var))
  nm <- names(b)
  for (j in seq_along(b)) {
    put(case, "coef", nm[j], b[j])
    put(case, "se", nm[j], se[j])
  }
  put(case, "loglik", "final", fit$loglik)
  put(case, "loglik", "null", fit$loglik.null)
  put(case, "converged", "n", as.numeric(fit$converged))
  if (!is.null(newcov)) {
    p <- predict(fit, cov1 = newcov)
    for (i in seq_len(nrow(newcov))) put(case, "predict", paste(i, format(p[, 1], digits = 17), sep = "|"), p[, i + 1])
  }
}
newcov <- rbind(c(0, 0), c(1, 1), c(-0.5, 0))
fgc <- read.csv("fg_continuous.csv")
fgt <- read.csv("fg_tied.csv")
cov_c <- cbind(x1 = fgc$x1, x2 = fgc$x2)
cov_t <- cbind(x1 = fgt$x1, x2 = fgt$x2)
fg_case("fg_continuous", crr(fgc$time, fgc$cause, cov_c), newcov)
fg_case("fg_tied", crr(fgt$time, fgt$cause, cov_t), newcov)
fg_case("fg_tied_cause2", crr(fgt$time, fgt$cause, cov_t, failcode = 2))
fg_case("fg_continuous_cengroup", crr(fgc$time, fgc$cause, cov_c, cengroup = fgc$group))
fg_case("fg_tied_cengroup", crr(fgt$time, fgt$cause, cov_t, cengroup = fgt$group))
# Integer case weights = replicated rows (coefficients only are compared).
rep_rows <- rep(seq_len(nrow(fgt)), fgt$w)
fg_case("fg_tied_replicated", crr(fgt$time[rep_rows], fgt$cause[rep_rows], cov_t[rep_rows, ]))
# The example of ?crr.
set.seed(10)
ftime <- rexp(200)
fstatus <- sample(0:2, 200, replace = TRUE)
cov <- matrix(runif(600), nrow = 200)
dimnames(cov)[[2]] <- c("x1", "x2", "x3")
write.csv(data.frame(ftime = ftime, fstatus = fstatus, cov), "data_crr_example.csv", row.names = FALSE)
fg_case("crr_example", crr(ftime, fstatus, cov))
fg_case("crr_example_cause2", crr(ftime, fstatus, cov, failcode = 2))
# Three censoring groups (make_datasets.py competing_groups): the whole sandwich variance, and the
# model-based inverse information, since the groups' q(u) terms enter only the sandwich.
fgg <- read.csv("fg_groups.csv")
cov_g <- cbind(x1 = fgg$x1, x2 = fgg$x2)
fg_var_case <- function(case, fit) {
  fg_case(case, fit)
  nm <- names(fit$coef)
  for (j in seq_along(nm)) for (k in seq_along(nm)) {
    put(case, "var", paste(nm[j], nm[k], sep = "|"), fit$var[j, k])
    put(case, "invinf", paste(nm[j], nm[k], sep = "|"), fit$invinf[j, k])
  }
}
fg_var_case("fg_groups_cengroup", crr(fgg$time, fgg$cause, cov_g, cengroup = fgg$group))
fg_var_case("fg_groups_cengroup_cause2", crr(fgg$time, fgg$cause, cov_g, cengroup = fgg$group, failcode = 2))
fg_var_case("fg_groups_one_group", crr(fgg$time, fgg$cause, cov_g))
write.csv(do.call(rbind, out), "fg_reference.csv", row.names = FALSE)
