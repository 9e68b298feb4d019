# Reference values for remission.survival.propensity / matching / balance, computed with R's stats::glm,
# splines::ns and MatchIt (4.5.1, Debian r-cran-matchit).
#
# Run from the repository root:   Rscript tests/reference/propensity/make_reference.R
# Needs: r-base-core r-cran-matchit (Debian; installed by scripts/install-r.sh). Deterministic (seeded).
# Writes into tests/reference/propensity/:
#   data_lalonde.csv        MatchIt's own lalonde data (race written as text)
#   data_registry.csv       a synthetic registry-like set made here (seeded): regimen A/B, disease, age, EDSS-like
#                           score, centre, era; treated = regimen B
#   ps_*.csv                fitted glm(binomial) probabilities and linear predictors, with and without ns() terms
#   match_*.csv             MatchIt nearest-neighbour matched sets (one row per treated unit and matched control)
#   weights_*.csv           MatchIt's matching weights for the same runs
#   summary_*.csv           summary(matchit) balance rows (Means Treated/Control, Std. Mean Diff., Var. Ratio),
#                           before ("all") and after ("matched") matching
# Rows are 1-based in R; the tests subtract 1.
suppressPackageStartupMessages({
  library(MatchIt)
  library(splines)
})
args <- commandArgs(trailingOnly = FALSE)
file_arg <- args[grep("^--file=", args)]
# sourced (with chdir = TRUE) by tests/reference/make_reference.R: the working directory
here <- if (length(file_arg) && sys.nframe() == 0) dirname(normalizePath(sub("^--file=", "", file_arg))) else getwd()
out <- function(df, name) {
  write.csv(df, file.path(here, name), row.names = FALSE)
}
num <- function(x) sprintf("%.17g", x)

# ---- data ------------------------------------------------------------------------------------------------------
data("lalonde", package = "MatchIt")
lalonde <- as.data.frame(lalonde)
lalonde$race <- as.character(lalonde$race)
rownames(lalonde) <- NULL
out(lalonde, "data_lalonde.csv")

set.seed(20261204)
n <- 300
disease <- sample(c("MS", "SSc", "CIDP"), n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
centre <- sample(c("C1", "C2", "C3", "C4"), n, replace = TRUE)
era <- sample(c("2005-2012", "2013-2019", "2020-2026"), n, replace = TRUE, prob = c(0.25, 0.4, 0.35))
age <- round(rnorm(n, 38, 10), 1)
edss <- pmin(pmax(round(2 * rgamma(n, shape = 4, rate = 1)) / 2, 0), 9.5)
lp <- -0.8 + 0.9 * (disease == "SSc") - 0.4 * (disease == "CIDP") + 0.03 * (age - 38) +
  0.25 * (edss - 4) - 0.02 * (edss - 4)^2 + 0.5 * (centre == "C2") - 0.3 * (centre == "C4") +
  0.6 * (era == "2020-2026")
regimen <- ifelse(runif(n) < plogis(lp), "B", "A")
registry <- data.frame(regimen = regimen, treated = as.integer(regimen == "B"), disease = disease,
                       age = age, edss = edss, centre = centre, era = era, stringsAsFactors = FALSE)
out(registry, "data_registry.csv")

# ---- propensity scores: glm(binomial) ----------------------------------------------------------------------------
ps_out <- function(fit, name) {
  out(data.frame(row = seq_along(fitted(fit)), score = num(fitted(fit)), linear = num(fit$linear.predictors)),
      name)
}
fit_l_plain <- glm(treat ~ age + educ + race + married + nodegree + re74 + re75,
                   data = lalonde, family = binomial)
ps_out(fit_l_plain, "ps_lalonde_plain.csv")
out(data.frame(term = names(coef(fit_l_plain)), estimate = num(unname(coef(fit_l_plain)))),
    "coef_lalonde_plain.csv")
fit_l_ns <- glm(treat ~ ns(age, df = 3) + ns(educ, df = 3) + race + married + nodegree + re74 + re75,
                data = lalonde, family = binomial)
ps_out(fit_l_ns, "ps_lalonde_ns.csv")
fit_r_ns <- glm(treated ~ disease + ns(age, df = 3) + ns(edss, df = 3) + centre + era,
                data = registry, family = binomial)
ps_out(fit_r_ns, "ps_registry_ns.csv")
fit_r_ns4 <- glm(treated ~ disease + ns(age, df = 4) + edss + centre + era,
                 data = registry, family = binomial)
ps_out(fit_r_ns4, "ps_registry_ns4.csv")
fit_r_factors <- glm(treated ~ disease + centre + era, data = registry, family = binomial)
ps_out(fit_r_factors, "ps_registry_factors.csv")
knots <- function(x, df) {
  b <- attr(ns(x, df = df), "knots")
  data.frame(knot = num(c(min(x), b, max(x))))
}
out(rbind(cbind(column = "age", knots(lalonde$age, 3)), cbind(column = "educ", knots(lalonde$educ, 3))),
    "knots_lalonde_ns.csv")

# ---- nearest-neighbour matching -------------------------------------------------------------------------------
summary_out <- function(m, name) {
  s <- summary(m, un = TRUE, pair.dist = FALSE)
  pick <- function(tab, when) {
    data.frame(when = when, term = rownames(tab), mean_treated = num(tab[, "Means Treated"]),
               mean_control = num(tab[, "Means Control"]), smd = num(tab[, "Std. Mean Diff."]),
               var_ratio = num(tab[, "Var. Ratio"]))
  }
  out(rbind(pick(s$sum.all, "all"), pick(s$sum.matched, "matched")), paste0("summary_", name, ".csv"))
}
# MatchIt 4.5.1 as built here compares distances with C's integer abs() (MatchIt issue #163, fixed in 4.5.4):
# |difference| is truncated to a whole number, so on the propensity-score scale every difference is 0: a caliper
# never binds and the lower-score neighbour always wins. Checked on this machine: with distance = "glm" every
# control chosen had a score <= its treated unit's, and caliper = 0.1 excluded nobody although 184 of 185 pairs
# were further apart than the caliper. To get MatchIt's documented algorithm (the one 4.5.4+ runs) from this
# build, the distance is given as a user vector multiplied by `scale` (ordering, nearest neighbours and the
# standardised caliper are unchanged by a common factor); truncation then acts at 1/scale, far below any
# difference that decides a match here. The distance row of summary() is divided back by `scale`.
#
# MatchIt 4.5.1 has a second bug (fixed in 4.5.3, "a bug due to indexing"): from the second round on it compares
# 0-based row numbers of candidate controls with the 1-based row numbers stored for the controls already matched
# to the same treated unit, so it wrongly skips the control in the data row right after each earlier match
# (seen here: with ratio = 2, m.order = "data" and caliper 0.2 on lalonde, treated row 38 skipped control row 284
# because it had been matched to row 283 in round 1). To get the documented algorithm, each data row is followed
# by a spacer row (a copy marked treated and discarded through `discard`): the row after any control is then a
# discarded treated unit, which is never a candidate anyway. Discarded units are left out of the caliper's SD and
# of the matching, and the spacers are removed before writing. summary() is taken from the run without spacers
# and written only when its weights are identical to the spacer run's.
scale_for <- function(d) 10^floor(log10(2e9 / diff(range(d))))
run_match <- function(formula, data, distance, ratio, caliper, m.order, replace = FALSE) {
  s <- scale_for(distance)
  m <- matchit(formula, data = data, method = "nearest", distance = distance * s, ratio = ratio,
               caliper = caliper, m.order = m.order, replace = replace)
  m$distance <- m$distance / s
  if (!is.null(m$caliper)) m$caliper <- m$caliper / s
  m
}
run_spaced <- function(formula, data, distance, ratio, caliper, m.order, replace = FALSE) {
  n <- nrow(data)
  tname <- all.vars(formula)[1]
  spaced <- data[rep(seq_len(n), each = 2), , drop = FALSE]
  spacer <- rep(c(FALSE, TRUE), n)
  spaced[[tname]][spacer] <- 1
  rownames(spaced) <- NULL
  s <- scale_for(distance)
  m <- matchit(formula, data = spaced, method = "nearest", distance = rep(distance, each = 2) * s,
               ratio = ratio, caliper = caliper, m.order = m.order, discard = spacer, replace = replace)
  real <- which(!spacer)
  mm <- m$match.matrix
  keep_rows <- rownames(mm) %in% rownames(spaced)[real]
  mm <- mm[keep_rows, , drop = FALSE]
  to_real <- function(lab) match(as.integer(lab), real)  # augmented row -> original row
  list(treated_row = to_real(rownames(mm)), mm = matrix(to_real(mm), nrow = nrow(mm)),
       weights = unname(m$weights[real]), caliper = if (is.null(m$caliper)) NULL else unname(m$caliper) / s)
}
match_out <- function(res, name) {
  rows <- list()
  for (j in seq_len(ncol(res$mm))) {
    rows[[j]] <- data.frame(treated_row = res$treated_row, control_row = res$mm[, j], round = j)
  }
  out_rows <- do.call(rbind, rows)
  out_rows <- out_rows[order(out_rows$treated_row, out_rows$round), ]
  out(out_rows, paste0("match_", name, ".csv"))
  out(data.frame(row = seq_along(res$weights), weight = num(res$weights)), paste0("weights_", name, ".csv"))
  if (!is.null(res$caliper)) out(data.frame(caliper = num(res$caliper)), paste0("caliper_", name, ".csv"))
}
run_and_write <- function(formula, data, distance, ratio, caliper, m.order, name, with_summary = TRUE,
                          replace = FALSE) {
  spaced <- run_spaced(formula, data, distance, ratio, caliper, m.order, replace)
  match_out(spaced, name)
  plain <- run_match(formula, data, distance, ratio, caliper, m.order, replace)
  same <- isTRUE(all.equal(unname(plain$weights), spaced$weights, tolerance = 0))
  if (!same) message(name, ": MatchIt 4.5.1 without spacers gives different weights (indexing bug); no summary")
  if (with_summary && same) summary_out(plain, name)
}
f_l <- treat ~ age + educ + race + married + nodegree + re74 + re75
runs_l <- list(
  r1_largest = list(ratio = 1, caliper = NULL, m.order = "largest"),
  r1_largest_cal = list(ratio = 1, caliper = 0.1, m.order = "largest"),
  r2_largest = list(ratio = 2, caliper = NULL, m.order = "largest"),
  r2_largest_cal = list(ratio = 2, caliper = 0.2, m.order = "largest"),
  r1_data = list(ratio = 1, caliper = NULL, m.order = "data"),
  r1_data_cal = list(ratio = 1, caliper = 0.1, m.order = "data"),
  r2_data_cal = list(ratio = 2, caliper = 0.2, m.order = "data"),
  r1_smallest = list(ratio = 1, caliper = NULL, m.order = "smallest")
)
# distance = "glm" fits this same glm (quasibinomial, identical estimates); its fitted values are passed scaled.
for (nm in names(runs_l)) {
  a <- runs_l[[nm]]
  run_and_write(f_l, lalonde, fitted(fit_l_plain), a$ratio, a$caliper, a$m.order, paste0("lalonde_", nm))
}
# link = "linear.logit": matching (and the caliper's SD) on the linear predictor
run_and_write(f_l, lalonde, fit_l_plain$linear.predictors, 1, 0.2, "largest", "lalonde_logit_r1_largest_cal")
# With replacement (m.order is then irrelevant; MatchIt uses data order). Only ratio = 1: with ratio > 1 the
# indexing bug above means 4.5.1 never recognises the controls already matched to a treated unit, so it matches
# the same control to it again in every round (fixed in 4.5.3); spacers cannot repair that.
run_and_write(f_l, lalonde, fitted(fit_l_plain), 1, NULL, "largest", "lalonde_replace_r1", replace = TRUE)
run_and_write(f_l, lalonde, fitted(fit_l_plain), 1, 0.1, "largest", "lalonde_replace_r1_cal", replace = TRUE)

# Registry set: distance = the ns() propensity score (the score the Python side fits), and a factor-only
# score with many exactly tied values (to pin down tie-breaking).
f_r <- treated ~ disease + age + edss + centre + era
runs_r <- list(r1_largest = list(1, NULL, "largest"), r2_largest_cal = list(2, 0.25, "largest"),
               r1_data_cal = list(1, 0.2, "data"))
for (nm in names(runs_r)) {
  a <- runs_r[[nm]]
  run_and_write(f_r, registry, fitted(fit_r_ns), a[[1]], a[[2]], a[[3]], paste0("registry_", nm))
}
runs_t <- list(ties_r1_largest = list(1, NULL, "largest"), ties_r2_data = list(2, NULL, "data"),
               ties_r1_largest_cal = list(1, 0.05, "largest"))
for (nm in names(runs_t)) {
  a <- runs_t[[nm]]
  run_and_write(f_r, registry, fitted(fit_r_factors), a[[1]], a[[2]], a[[3]], paste0("registry_", nm),
                with_summary = FALSE)
}
message("propensity reference written to ", here)
