# Reference values for remission.analysis.comparison (the weighting road), written independently:
#   cd tests/reference/comparison && Rscript make_reference.R
# Reads data_comparison.csv (make_dataset.py). The protocol: MS, Cy 200 + rATG (treated) vs BEAM + ATG,
# covariates age (splines::ns, df 3), sex, subtype (blank = "unrecorded"), era, hct_ci (linear), experienced;
# complete cases. Scores: glm(binomial). Weights per protocol below. Effects: coxph(weights, robust = TRUE).
# Curves: survfit(Surv(time, factor) ~ 1, weights, id) per group (Aalen-Johansen with the infinitesimal
# jackknife standard error). Writes expected_scores.csv, expected_effects.csv, expected_curves.csv.
suppressPackageStartupMessages({library(survival); library(splines)})
message("survival ", packageVersion("survival"))
d <- read.csv("data_comparison.csv", stringsAsFactors = FALSE, encoding = "UTF-8", na.strings = "NA")
d$subtype[is.na(d$subtype) | d$subtype == ""] <- "unrecorded"
d <- d[d$disease == "ms" & d$regimen %in% c("cy200_ratg", "beam_atg") & !is.na(d$hct_ci), ]
d$treated <- as.integer(d$regimen == "cy200_ratg")
d$experienced <- ifelse(d$experienced %in% c("True", "TRUE", TRUE), "yes", "no")
fit <- glm(treated ~ ns(age, df = 3) + sex + subtype + era + hct_ci + experienced, family = binomial, data = d,
           control = glm.control(epsilon = 1e-14, maxit = 100))
e <- fitted(fit)
t <- d$treated
p <- mean(t)
protocols <- list(
  ate_stabilised = ifelse(t == 1, p / e, (1 - p) / (1 - e)),
  overlap = ifelse(t == 1, 1 - e, e),
  att_trimmed = {
    keep <- e >= 0.05 & e <= 0.95
    pk <- mean(t[keep])
    w <- ifelse(t == 1, 1, e / (1 - e) * (1 - pk) / pk)
    w[!keep] <- 0
    w
  }
)
times <- c(365.25, 730.5, 1095.75, 1826.25)
scores <- data.frame(registry_id = d$registry_id, score = e)
effects <- list(); curves <- list()
for (name in names(protocols)) {
  w <- protocols[[name]]
  scores[[paste0("weight_", name)]] <- w
  k <- d[w > 0, ]; wk <- w[w > 0]
  for (ep in c("OS", "PFS")) {
    tcol <- if (ep == "OS") "os_days" else "pfs_days"
    ecol <- if (ep == "OS") "os_event" else "pfs_event"
    cx <- coxph(Surv(k[[tcol]], k[[ecol]]) ~ k$treated, weights = wk, robust = TRUE, ties = "efron")
    s <- summary(cx)
    effects[[length(effects) + 1]] <- data.frame(protocol = name, endpoint = ep,
      hazard_ratio = s$conf.int[1, 1], lower = s$conf.int[1, 3], upper = s$conf.int[1, 4],
      p_value = s$coefficients[1, "Pr(>|z|)"], robust_se = s$coefficients[1, "robust se"])
  }
  for (g in c(1, 0)) {
    m <- k[k$treated == g, ]; wm <- wk[k$treated == g]
    label <- if (g == 1) "treatment" else "comparator"
    for (ep in c("OS", "PFS")) {
      tcol <- if (ep == "OS") "os_days" else "pfs_days"
      ecol <- if (ep == "OS") "os_event" else "pfs_event"
      st <- factor(m[[ecol]], 0:1, c("censor", "event"))
      sf <- survfit(Surv(m[[tcol]], st) ~ 1, weights = wm, id = m$registry_id, influence = TRUE)
      sm <- summary(sf, times = times, extend = TRUE)
      curves[[length(curves) + 1]] <- data.frame(protocol = name, group = label, endpoint = ep,
        time_days = times, estimate = sm$pstate[, 1], std_err = sm$std.err[, 1])
    }
    st <- factor(m$cr_cause, 0:2, c("censor", "relapse", "nrm"))
    sf <- survfit(Surv(m$cr_days, st) ~ 1, weights = wm, id = m$registry_id, influence = TRUE)
    sm <- summary(sf, times = times, extend = TRUE)
    states <- sf$states
    for (pair in list(c("relapse/progression", "relapse"), c("NRM", "nrm"))) {
      j <- which(states == pair[2])
      curves[[length(curves) + 1]] <- data.frame(protocol = name, group = label, endpoint = pair[1],
        time_days = times, estimate = sm$pstate[, j], std_err = sm$std.err[, j])
    }
  }
}
write.csv(scores, "expected_scores.csv", row.names = FALSE, fileEncoding = "UTF-8")
write.csv(do.call(rbind, effects), "expected_effects.csv", row.names = FALSE)
write.csv(do.call(rbind, curves), "expected_curves.csv", row.names = FALSE)
