# Reference values for the nonparametric part of remission.survival.
#
# Sourced (chdir = TRUE) by tests/reference/make_reference.R, or run here:
#   cd tests/reference/nonparametric && Rscript make_reference.R
# Reads the CSVs written by make_datasets.py and data sets shipped with R (survival: lung, aml, veteran,
# ovarian, mgus2; MASS: Melanoma) and writes one CSV per analysis next to them. Every number comes from
# survival::survfit / survdiff or cmprsk::cuminc / timepoints, or from leave-one-out refits of those.
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})
message("survival ", packageVersion("survival"), ", cmprsk ", packageVersion("cmprsk"))

out <- function(x, file) write.csv(x, file, row.names = FALSE)

# the shipped data sets, reduced to the columns the tests use; saved so that Python reads the same rows
lung2 <- data.frame(time = lung$time, event = lung$status - 1, sex = lung$sex, ecog = lung$ph.ecog)
lung2$ecog[is.na(lung2$ecog)] <- 9
aml2 <- data.frame(time = aml$time, event = aml$status, group = as.character(aml$x))
vet2 <- data.frame(time = veteran$time, event = veteran$status, trt = veteran$trt,
                   celltype = as.character(veteran$celltype))
ova2 <- data.frame(time = ovarian$futime, event = ovarian$fustat, rx = ovarian$rx)
mel <- MASS::Melanoma
mel2 <- data.frame(time = mel$time, cause = ifelse(mel$status == 2, 0, ifelse(mel$status == 1, 1, 2)),
                   sex = mel$sex, ulcer = mel$ulcer)
mg_time <- with(mgus2, ifelse(pstat == 0, futime, ptime))
mg_cause <- with(mgus2, ifelse(pstat == 0, 2 * death, 1))
mgus3 <- data.frame(time = mg_time, cause = mg_cause, sex = as.character(mgus2$sex))
out(lung2, "data_lung.csv"); out(aml2, "data_aml.csv"); out(vet2, "data_veteran.csv"); out(ova2, "data_ovarian.csv")
out(mel2, "data_melanoma.csv"); out(mgus3, "data_mgus2.csv")

ties <- read.csv("km_ties.csv")
noties <- read.csv("km_no_ties.csv")
half <- read.csv("km_half.csv")
comp <- read.csv("competing.csv")
cgrp <- read.csv("censored_group.csv")
small <- read.csv("pseudo_small.csv")

# ---- Kaplan-Meier and Nelson-Aalen: survfit(), its std.err (log scale), CIs, print(fit, rmean = tau)
km_cases <- list(
  lung = list(d = lung2, tau = 500), aml = list(d = aml2, tau = 40), aml_beyond = list(d = aml2, tau = 200),
  veteran = list(d = vet2, tau = 200), ovarian = list(d = ova2, tau = 800), ties = list(d = ties, tau = 12),
  ties_weighted = list(d = ties, tau = 12, weighted = TRUE), ties_entry = list(d = ties, tau = 12, entry = TRUE),
  no_ties = list(d = noties, tau = 8), half = list(d = half, tau = 6)
)
summ <- NULL
for (name in names(km_cases)) {
  case <- km_cases[[name]]
  d <- case$d
  fits <- list()
  for (ct in c("plain", "log", "log-log")) {
    if (isTRUE(case$weighted)) {
      # weighted Greenwood: robust = FALSE (R's default with non-integer weights is the IJ variance)
      fits[[ct]] <- survfit(Surv(time, event) ~ 1, data = d, weights = weight, conf.type = ct, robust = FALSE)
    } else if (isTRUE(case$entry)) {
      fits[[ct]] <- survfit(Surv(entry, time, event) ~ 1, data = d, conf.type = ct)
    } else {
      fits[[ct]] <- survfit(Surv(time, event) ~ 1, data = d, conf.type = ct)
    }
    tab <- summary(fits[[ct]], rmean = case$tau)$table
    summ <- rbind(summ, data.frame(case = name, conf_type = ct, tau = case$tau, rmean = tab[["rmean"]],
                                   se_rmean = tab[["se(rmean)"]], median = tab[["median"]],
                                   lcl = tab[["0.95LCL"]], ucl = tab[["0.95UCL"]]))
  }
  f <- fits[["log"]]
  out(data.frame(time = f$time, n_risk = f$n.risk, n_event = f$n.event, n_censor = f$n.censor,
                 surv = f$surv, std_err = f$std.err,
                 lower_plain = fits[["plain"]]$lower, upper_plain = fits[["plain"]]$upper,
                 lower_log = f$lower, upper_log = f$upper,
                 lower_loglog = fits[["log-log"]]$lower, upper_loglog = fits[["log-log"]]$upper,
                 cumhaz = f$cumhaz, std_chaz = f$std.chaz),
      paste0("ref_km_", name, ".csv"))
}
out(summ, "ref_km_summary.csv")

# ---- log-rank and G-rho: survdiff(); obs/exp summed over strata (rowSums), as survdiff's chisq uses
lr_cases <- list(
  lung_sex = list(f = Surv(time, event) ~ sex, d = lung2, rho = 0),
  lung_sex_rho1 = list(f = Surv(time, event) ~ sex, d = lung2, rho = 1),
  lung_sex_strata_ecog = list(f = Surv(time, event) ~ sex + strata(ecog), d = lung2, rho = 0),
  veteran_celltype_strata_trt = list(f = Surv(time, event) ~ celltype + strata(trt), d = vet2, rho = 0),
  ovarian_rx = list(f = Surv(time, event) ~ rx, d = ova2, rho = 0),
  ties_group = list(f = Surv(time, event) ~ group, d = ties, rho = 0),
  ties_group_strata_rho05 = list(f = Surv(time, event) ~ group + strata(stratum), d = ties, rho = 0.5),
  censored_group = list(f = Surv(time, event) ~ group, d = cgrp, rho = 0)
)
for (name in names(lr_cases)) {
  case <- lr_cases[[name]]
  z <- survdiff(case$f, data = case$d, rho = case$rho)
  obs <- if (is.matrix(z$obs)) rowSums(z$obs) else z$obs
  ex <- if (is.matrix(z$exp)) rowSums(z$exp) else z$exp
  labels <- sub("^[^=]*=", "", names(z$n))
  v <- z$var
  colnames(v) <- paste0("var_", seq_len(ncol(v)))
  out(cbind(data.frame(group = labels, n = as.vector(z$n), observed = obs, expected = ex), v,
            data.frame(chisq = z$chisq, df = length(obs[ex > 0]) - 1, p = z$pvalue)),
      paste0("ref_logrank_", name, ".csv"))
}

# ---- cumulative incidence: cmprsk::cuminc estimates and variances (read with timepoints at every
# observed time), Gray's test ($Tests)
ci_cases <- list(
  competing = list(d = comp, group = TRUE, strata = FALSE, rho = 0),
  competing_overall = list(d = comp, group = FALSE, strata = FALSE, rho = 0),
  competing_strata = list(d = comp, group = TRUE, strata = TRUE, rho = 0),
  competing_rho1 = list(d = comp, group = TRUE, strata = FALSE, rho = 1),
  censored_group = list(d = cgrp, group = TRUE, strata = FALSE, rho = 0),
  melanoma_sex = list(d = transform(mel2, group = sex), group = TRUE, strata = FALSE, rho = 0),
  melanoma_sex_strata_ulcer = list(d = transform(mel2, group = sex, stratum = ulcer), group = TRUE,
                                   strata = TRUE, rho = 0),
  mgus2_sex = list(d = transform(mgus3, group = sex), group = TRUE, strata = FALSE, rho = 0)
)
for (name in names(ci_cases)) {
  case <- ci_cases[[name]]
  d <- case$d
  fit <- if (!case$group) cuminc(d$time, d$cause) else if (case$strata)
    cuminc(d$time, d$cause, d$group, d$stratum, rho = case$rho) else
    cuminc(d$time, d$cause, d$group, rho = case$rho)
  tp <- timepoints(fit, sort(unique(d$time)))
  rows <- NULL
  for (lab in rownames(tp$est)) {
    parts <- strsplit(lab, " ")[[1]]
    rows <- rbind(rows, data.frame(group = parts[1], cause = as.integer(parts[2]),
                                   time = as.numeric(colnames(tp$est)), est = tp$est[lab, ],
                                   var = tp$var[lab, ]))
  }
  out(rows, paste0("ref_cuminc_", name, ".csv"))
  if (!is.null(fit$Tests)) {
    out(data.frame(cause = as.integer(rownames(fit$Tests)), stat = fit$Tests[, "stat"],
                   pv = fit$Tests[, "pv"], df = fit$Tests[, "df"]), paste0("ref_gray_", name, ".csv"))
  }
}

# ---- Aalen-Johansen through survfit's multi-state code: the estimate with and without delayed entry
aj_out <- function(fit, file) {
  p <- fit$pstate
  out(data.frame(time = fit$time, n_risk = fit$n.risk[, 1], surv = p[, 1], cause1 = p[, 2], cause2 = p[, 3],
                 se_cause1 = fit$std.err[, 2], se_cause2 = fit$std.err[, 3]), file)
}
aj_out(survfit(Surv(time, factor(cause)) ~ 1, data = comp), "ref_aj_survfit.csv")
comp$id <- seq_len(nrow(comp))
aj_out(survfit(Surv(entry, time, factor(cause)) ~ 1, data = comp, id = id), "ref_aj_survfit_entry.csv")

# ---- RMST by group: print(survfit(...), rmean = tau)
rm_rows <- NULL
for (case in list(list(name = "lung_sex", d = lung2, g = "sex", tau = 500),
                  list(name = "aml_group", d = aml2, g = "group", tau = 40))) {
  fit <- survfit(as.formula(paste("Surv(time, event) ~", case$g)), data = case$d)
  tab <- summary(fit, rmean = case$tau)$table
  rm_rows <- rbind(rm_rows, data.frame(case = case$name, group = sub("^[^=]*=", "", rownames(tab)),
                                       tau = case$tau, rmean = tab[, "rmean"], se_rmean = tab[, "se(rmean)"]))
}
out(rm_rows, "ref_rmst_groups.csv")

# ---- jackknife pseudo-values by explicit leave-one-out refits (what pseudo::pseudosurv/pseudoci do).
# The curve is read as a right-continuous step function, carried flat after its last time.
surv_at <- function(time, event, t) {
  f <- survfit(Surv(time, event) ~ 1)
  c(1, f$surv)[findInterval(t, f$time) + 1]
}
cif_at <- function(time, cause, k, t) {
  fit <- cuminc(time, cause)
  key <- paste("1", k)
  if (is.null(fit[[key]])) return(rep(0, length(t)))
  x <- fit[[key]]$time
  e <- fit[[key]]$est
  sapply(t, function(s) e[max(which(x <= s))])
}
jack <- function(theta_full, theta_loo, n) n * theta_full - (n - 1) * theta_loo
pseudo_rows <- function(name, n, times, full, loo_fun) {
  res <- NULL
  for (i in seq_len(n)) {
    res <- rbind(res, data.frame(case = name, row = i - 1, time = times, pseudo = jack(full, loo_fun(i), n)))
  }
  res
}
ps <- NULL
t_small <- c(2, 5, 9, 14, 40)
n <- nrow(small)
ev <- as.integer(small$cause > 0)
ps <- rbind(ps, pseudo_rows("small_surv", n, t_small, surv_at(small$time, ev, t_small),
                            function(i) surv_at(small$time[-i], ev[-i], t_small)))
for (k in 1:2) {
  ps <- rbind(ps, pseudo_rows(paste0("small_cif", k), n, t_small, cif_at(small$time, small$cause, k, t_small),
                              function(i) cif_at(small$time[-i], small$cause[-i], k, t_small)))
}
t_aml <- c(10, 30, 48, 200)
ps <- rbind(ps, pseudo_rows("aml_surv", nrow(aml2), t_aml, surv_at(aml2$time, aml2$event, t_aml),
                            function(i) surv_at(aml2$time[-i], aml2$event[-i], t_aml)))
out(ps, "ref_pseudo.csv")
message("nonparametric reference files written")
