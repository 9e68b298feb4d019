# Reference values for remission.survival.multistate, from R survival::survfit on multi-state
# counting-process data (Surv(tstart, tstop, event_factor) ~ 1, id = id, istate = ...).
#
# Run from the repository root:   Rscript tests/reference/multistate/make_reference.R
# Needs r-base-core and r-cran-survival (scripts/install-r.sh). Written with survival 3.5-3.
# Writes, next to this script:
#   data_mgus2.csv           survival::mgus2 in counting-process form (compete vignette: PCM, then death)
#   data_registry.csv        a synthetic ASCT registry (infusion -> response <-> relapse -> death, death from
#                            every state, late entries starting in "response", tied days, split rows, weights)
#   data_registry_mixed.csv  the same with every first row starting at day 0 (initial states mixed at t0)
#   ref_<case>.csv           survfit's time, pstate, std.err, lower, upper (log CI, R's default), n.risk
#   ref_<case>_summary.csv   summary(fit, times = ...) at chosen times
# influence = TRUE: survival 3.5 adds the influence of an estimated p0 (mixed initial states) only then;
# later versions always do, and so does remission.survival.multistate.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = FALSE)
# sourced (with chdir = TRUE) by tests/reference/make_reference.R: the working directory; run alone: its folder
here <- if (sys.nframe() > 0) getwd() else dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
out <- function(x, name) write.csv(x, file.path(here, name), row.names = FALSE)

dump_fit <- function(fit, name, times) {
  states <- fit$states
  long <- function(m) as.vector(t(m))
  nt <- length(fit$time)
  out(data.frame(time = rep(fit$time, each = length(states)),
                 state = rep(states, nt),
                 probability = long(fit$pstate), std_err = long(fit$std.err),
                 lower = long(fit$lower), upper = long(fit$upper),
                 n_risk = long(fit$n.risk)), paste0("ref_", name, ".csv"))
  s <- summary(fit, times = times, extend = TRUE)
  ns <- length(s$time)
  out(data.frame(time = rep(s$time, each = length(states)), state = rep(states, ns),
                 probability = long(s$pstate), std_err = long(s$std.err),
                 lower = long(s$lower), upper = long(s$upper)), paste0("ref_", name, "_summary.csv"))
}

# 1. mgus2 (compete vignette): PCM then death, both from the entry state, death also after PCM
temp <- subset(mgus2, select = c(id, age, sex, mspike))
mg <- tmerge(temp, mgus2, id = id, death = event(futime, death), pcm = event(ptime, pstat))
mg$event <- factor(with(mg, ifelse(death == 1, 2, pcm)), 0:2, labels = c("censor", "pcm", "death"))
mg <- mg[, c("id", "age", "tstart", "tstop", "event")]
out(mg, "data_mgus2.csv")
fit <- survfit(Surv(tstart, tstop, event) ~ 1, data = mg, id = id, influence = TRUE)
dump_fit(fit, "mgus2", c(0, 1, 12.5, 60, 120, 240, 400))
# the same on the age scale (months): every patient enters late, at their age at diagnosis
fit <- survfit(Surv(age * 12 + tstart, age * 12 + tstop, event) ~ 1, data = mg, id = id, influence = TRUE)
dump_fit(fit, "mgus2_age", c(400, 600, 780.5, 900, 1000, 1100))

# 2. synthetic registry
set.seed(20261204)
n <- 160
rates <- list(infusion = c(response = 1 / 60, death = 1 / 900),
              response = c(relapse = 1 / 400, death = 1 / 1500),
              relapse = c(response = 1 / 250, death = 1 / 300))
rows <- list()
for (i in seq_len(n)) {
  late <- runif(1) < 0.25
  t <- if (late) ceiling(runif(1, 5, 200)) else 0
  state <- if (late && runif(1) < 0.6) "response" else "infusion"
  first_state <- state
  cens <- t + ceiling(runif(1, 30, 1500))
  w <- round(runif(1, 0.5, 2), 2)
  repeat {
    if (state == "death") break
    r <- rates[[state]]
    dt <- ceiling(rexp(1, sum(r)))
    to <- sample(names(r), 1, prob = r)
    if (t + dt >= cens) {
      # censored; split rows crossing day 365 (a time-dependent covariate would do this)
      if (t < 365 && cens > 365) {
        rows[[length(rows) + 1]] <- data.frame(id = i, start = t, stop = 365, to_state = "(censored)",
                                               istate = state, weight = w)
        t <- 365
      }
      rows[[length(rows) + 1]] <- data.frame(id = i, start = t, stop = cens, to_state = "(censored)",
                                             istate = state, weight = w)
      break
    }
    rows[[length(rows) + 1]] <- data.frame(id = i, start = t, stop = t + dt, to_state = to,
                                           istate = state, weight = w)
    t <- t + dt
    state <- to
  }
}
reg <- do.call(rbind, rows)
out(reg, "data_registry.csv")
reg$event <- factor(reg$to_state, c("(censored)", "response", "relapse", "death"))
fit <- survfit(Surv(start, stop, event) ~ 1, data = reg, id = id, istate = istate, influence = TRUE)
dump_fit(fit, "registry", c(0, 30, 100, 365, 365.5, 1000, 1700))
fit <- survfit(Surv(start, stop, event) ~ 1, data = reg, id = id, istate = istate, weights = weight,
               influence = TRUE)
dump_fit(fit, "registry_weighted", c(0, 30, 100, 365, 365.5, 1000, 1700))
# mixed initial states at a common start: the late entrants' first rows start at day 0 instead, so p0 is
# estimated (some patients in "response" at t0) and has an influence of its own
mixed <- reg
mixed$start[!duplicated(mixed$id)] <- 0
out(mixed[, c("id", "start", "stop", "to_state", "istate", "weight")], "data_registry_mixed.csv")
fit <- survfit(Surv(start, stop, event) ~ 1, data = mixed, id = id, istate = istate, influence = TRUE)
dump_fit(fit, "registry_mixed", c(0, 30, 100, 365, 1000))
fit <- survfit(Surv(start, stop, event) ~ 1, data = mixed, id = id, istate = istate, weights = weight,
               influence = TRUE)
dump_fit(fit, "registry_mixed_weighted", c(0, 30, 100, 365, 1000))
# everyone from infusion, no late entries (p0 known): no initial influence in any version
early <- reg[reg$id %in% reg$id[reg$start == 0 & reg$istate == "infusion"], ]
fit <- survfit(Surv(start, stop, event) ~ 1, data = early, id = id, istate = istate, weights = weight)
dump_fit(fit, "registry_early_weighted", c(0, 30, 100, 365, 1000))
message(sprintf("survival %s: done", packageVersion("survival")))
