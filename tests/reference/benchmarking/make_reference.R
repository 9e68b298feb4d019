# Reference values for remission.analysis.benchmarking, computed with R's survival package and base R.
#
# Run from the repository root:   Rscript tests/reference/benchmarking/make_reference.R
# Writes, next to this script:
#   data_centres.csv      a synthetic cohort (set.seed below): centre, case mix, OS and competing-risks times
#   expected_reference.csv  per endpoint and centre: n, observed, expected (sum of predict(coxph, type =
#                         "expected")), O/E and its exact 95% CI (poisson.test)
#   funnel_reference.csv  Spiegelhalter (2005) exact Poisson funnel limits with interpolation
library(survival)
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))

set.seed(20261122)
n <- 400
centre <- sample(c("c-a", "c-b", "c-c", "c-d", "c-e"), n, replace = TRUE, prob = c(.3, .25, .2, .15, .1))
age <- round(rnorm(n, 45, 12), 1)
sex <- sample(c("female", "male"), n, replace = TRUE)
disease <- sample(c("ms", "ssc", "sle"), n, replace = TRUE, prob = c(.45, .35, .2))
era <- sample(c("2000-2009", "2010-2019"), n, replace = TRUE)
centre_effect <- c("c-a" = 0, "c-b" = 0.3, "c-c" = -0.2, "c-d" = 0.6, "c-e" = 0)[centre]
lp <- 0.4 * (age - 45) / 10 + 0.3 * (sex == "male") + 0.8 * (disease == "ssc") + 0.4 * (disease == "sle") +
  -0.3 * (era == "2010-2019") + centre_effect
nrm <- ceiling(rexp(n, exp(lp) / 1500))
relapse <- ceiling(rexp(n, 1 / 1200))
other_death <- ceiling(rexp(n, exp(lp) / 4000))
censor <- ceiling(runif(n, 30, 2500))
# times in whole days (ties on purpose: Efron); death = NRM or a later death after relapse
cr_days <- pmin(nrm, relapse, censor)
cr_cause <- ifelse(cr_days == censor & censor < pmin(nrm, relapse), 0, ifelse(nrm <= relapse, 2, 1))
death <- ifelse(nrm <= relapse, nrm, relapse + other_death)
os_days <- pmin(death, censor)
os_event <- as.integer(death <= censor)
data <- data.frame(centre, age, sex, disease, era, os_days, os_event, cr_days, cr_cause)
write.csv(data, file.path(here, "data_centres.csv"), row.names = FALSE)

rows <- list()
endpoints <- list(
  list(name = "os_1y", time = "os_days", hit = function(d) d$os_event == 1, horizon = 365.25),
  list(name = "nrm_1y", time = "cr_days", hit = function(d) d$cr_cause == 2, horizon = 365.25),
  list(name = "nrm_2y", time = "cr_days", hit = function(d) d$cr_cause == 2, horizon = 730.5)
)
for (ep in endpoints) {
  t <- data[[ep$time]]
  d <- data
  d$time <- pmin(t, ep$horizon)
  d$event <- as.integer(ep$hit(data) & t <= ep$horizon)
  d$age_per_10y <- d$age / 10
  fit <- coxph(Surv(time, event) ~ age_per_10y + sex + disease + era, data = d, ties = "efron")
  d$expected <- predict(fit, type = "expected")
  for (k in sort(unique(d$centre))) {
    mine <- d[d$centre == k, ]
    o <- sum(mine$event)
    e <- sum(mine$expected)
    ci <- poisson.test(o, e)$conf.int
    rows[[length(rows) + 1]] <- data.frame(
      endpoint = ep$name, horizon_days = ep$horizon, centre = k, n = nrow(mine), observed = o, expected = e,
      ratio = o / e, lower = ci[1], upper = ci[2]
    )
  }
}
write.csv(do.call(rbind, rows), file.path(here, "expected_reference.csv"), row.names = FALSE)

# Spiegelhalter 2005, Appendix: r_p = qpois(p, E); alpha = (ppois(r_p, E) - p) / dpois(r_p, E);
# limit = (r_p - alpha) / E, not below 0
limit <- function(e, p) {
  r <- qpois(p, e)
  alpha <- (ppois(r, e) - p) / dpois(r, e)
  pmax((r - alpha) / e, 0)
}
grid <- expand.grid(expected = c(0.5, 1, 2.5, 4, 7.3, 10, 25, 60, 150), p = c(0.001, 0.025, 0.975, 0.999))
grid$limit <- mapply(limit, grid$expected, grid$p)
write.csv(grid, file.path(here, "funnel_reference.csv"), row.names = FALSE)
