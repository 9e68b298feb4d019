# Reference predictions for remission.analysis.prediction: coxph + survfit (OS, PFS), cmprsk::crr +
# predict.crr (NRM), on data_prediction.csv (written by make_dataset.py), for the candidates below.
#
#   cd tests/reference/prediction && Rscript make_reference.R
#
# Everything is coded here from the raw columns, independently of the Python code, by the rules the
# prediction models state: complete cases; sex female/male (else missing); performance "normal" = ECOG 0
# or Karnofsky >= 90, "reduced" = ECOG 1-4 or Karnofsky <= 80; intensity low/intermediate/high (else
# missing); era of the year of day 0 (<=1999, 2000-2009, 2010-2019, >=2020); experienced = centre
# experience >= 23; diseases with fewer than 30 complete-case patients left out; each factor's reference
# its most common level (ties: first in alphabetical / chronological order), the other levels after it in
# that order; age as Harrell's restricted cubic spline (Hmisc::rcspline.eval(inclx = TRUE), norm = 2)
# with knots at quantile(age, c(.1, .5, .9)) (type 7), by the closed form (Hmisc is not installed).
# Intervals, all on the log(-log) scale:
# - OS and PFS: survfit(fit, newdata, conf.type = "log-log")'s limits ("lower", "upper"), whose standard
#   error (survfit's $std.err: the se of the cumulative hazard, checked below against the limits) includes
#   the baseline hazard's variance (Tsiatis / Andersen-Gill, Efron ties as survfit applies them); also
#   written: "std_err" (that se, at the horizon), and "lower_fixed"/"upper_fixed", the coefficients-only
#   delta method (se = sqrt((x - xbar)' V (x - xbar)), baseline fixed) that a model set stored without the
#   baseline's variance falls back to;
# - NRM: predict.crr gives no interval: the delta method as above with V = crr's fit$var.
# xbar = colMeans of the design. Candidate 6 is xbar itself (not a real patient; OS and PFS only), where
# the coefficients-only interval has zero width.
# Writes expected_predictions.csv (candidate, what, key, value; 17 significant digits).
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

raw <- read.csv("data_prediction.csv", stringsAsFactors = FALSE, na.strings = c("", "NA"))
YEAR <- 365.25

ps_group <- function(scale, score) {
  out <- rep(NA_character_, length(score))
  ecog <- !is.na(scale) & scale == "ecog" & !is.na(score) & score >= 0 & score <= 4
  kps <- !is.na(scale) & scale %in% c("karnofsky", "lansky") & !is.na(score) & score >= 0 & score <= 100
  out[ecog] <- ifelse(score[ecog] == 0, "normal", "reduced")
  out[kps] <- ifelse(score[kps] >= 90, "normal", "reduced")
  out
}
era_of <- function(year) {
  cut(year, breaks = c(-Inf, 1999, 2009, 2019, Inf), right = TRUE,
      labels = c("\u22641999", "2000\u20132009", "2010\u20132019", "\u22652020"))
}
code <- function(d) {
  data.frame(
    age = d$age,
    sex = ifelse(d$sex %in% c("female", "male"), d$sex, NA),
    disease = d$disease,
    hct_ci = d$hct_ci,
    performance = ps_group(d$performance_scale, d$performance_score),
    intensity = ifelse(d$intensity %in% c("low", "intermediate", "high"), d$intensity, NA),
    era = as.character(era_of(d$infusion_year)),
    experienced = ifelse(d$centre_experience >= 23, "yes", "no"),
    stringsAsFactors = FALSE
  )
}
pred <- code(raw)
ok <- complete.cases(pred)
pred <- pred[ok, ]
dat <- raw[ok, ]
counts <- table(pred$disease)
keep <- pred$disease %in% names(counts)[counts >= 30]
pred <- pred[keep, ]
dat <- dat[keep, ]
cat("fitted rows:", nrow(pred), "\n")

era_order <- c("\u22641999", "2000\u20132009", "2010\u20132019", "\u22652020")
levels_of <- function(values, natural) {
  natural <- natural[natural %in% values]
  n <- sapply(natural, function(l) sum(values == l))
  ref <- natural[which.max(n)]  # which.max: the first of tied maxima
  c(ref, setdiff(natural, ref))
}
lev <- list(
  sex = levels_of(pred$sex, sort(unique(pred$sex))),
  disease = levels_of(pred$disease, sort(unique(pred$disease))),
  performance = levels_of(pred$performance, sort(unique(pred$performance))),
  intensity = levels_of(pred$intensity, sort(unique(pred$intensity))),
  era = levels_of(pred$era, era_order),
  experienced = levels_of(pred$experienced, sort(unique(pred$experienced)))
)
knots <- unname(quantile(pred$age, c(0.1, 0.5, 0.9)))

rcs <- function(x, t) {
  k <- length(t)
  out <- matrix(x, ncol = 1)
  for (j in 1:(k - 2)) {
    out <- cbind(out, (pmax(x - t[j], 0)^3
                       - pmax(x - t[k - 1], 0)^3 * (t[k] - t[j]) / (t[k] - t[k - 1])
                       + pmax(x - t[k], 0)^3 * (t[k - 1] - t[j]) / (t[k] - t[k - 1])) / (t[k] - t[1])^2)
  }
  out
}
design <- function(p) {
  dummies <- function(name) {
    v <- p[[name]]
    l <- lev[[name]]
    m <- sapply(l[-1], function(level) as.numeric(v == level))
    m <- matrix(m, nrow = length(v))
    colnames(m) <- paste0(name, l[-1])
    m
  }
  s <- rcs(p$age, knots)
  colnames(s) <- c("age", "age'")
  cbind(s, dummies("sex"), dummies("disease"), hct_ci = p$hct_ci, dummies("performance"),
        dummies("intensity"), dummies("era"), dummies("experienced"))
}
X <- design(pred)
xbar <- colMeans(X)
frame <- as.data.frame(X)
names(frame) <- paste0("v", seq_len(ncol(X)))

candidates <- data.frame(
  age = c(50, 30, 62, 41.88, 20),
  sex = c("female", "male", "female", "male", "female"),
  disease = c("ssc", "ms", "crohn", "sle", "ssc"),
  hct_ci = c(2, 0, 4, 1, 0),
  performance = c("reduced", "normal", "reduced", "normal", "reduced"),  # ecog 1, kps 100, kps 80, ecog 0, ecog 2
  intensity = c("high", "low", "intermediate", "intermediate", "high"),
  era = as.character(era_of(c(2024, 2012, 2005, 2021, 2019))),
  experienced = c("yes", "no", "yes", "yes", "no"),  # centre experience 30, 5, 40, 23, 0
  stringsAsFactors = FALSE
)
Xc <- design(candidates)
newframe <- as.data.frame(Xc)
names(newframe) <- names(frame)

out <- list()
put <- function(candidate, what, key, value) {
  out[[length(out) + 1]] <<- data.frame(candidate = candidate, what = what, key = as.character(key),
                                        value = sprintf("%.17g", as.numeric(value)),
                                        stringsAsFactors = FALSE)
}
put(0, "knot", 1:3, knots)
put(0, "n", "fitted", nrow(pred))
for (i in seq_len(nrow(Xc))) put(i, "basis", c("age", "age'"), Xc[i, 1:2])

z <- qnorm(0.975)
interval <- function(prob_surv, se) {
  L <- log(-log(prob_surv))
  c(exp(-exp(L + z * se)), exp(-exp(L - z * se)))
}
for (endpoint in c("OS", "PFS")) {
  time <- if (endpoint == "OS") dat$os_days else dat$pfs_days
  status <- if (endpoint == "OS") dat$os_event else dat$pfs_event
  fit <- coxph(Surv(time, status) ~ ., data = cbind(frame, time = time, status = status), ties = "efron")
  stopifnot(all(abs(fit$coefficients) < 10))
  for (j in seq_along(coef(fit))) put(0, paste0("coef_", endpoint), colnames(X)[j], coef(fit)[j])
  times <- c(YEAR, 5 * YEAR)
  rows <- rbind(Xc, xbar)  # candidates 1..5, then 6 = xbar
  newrows <- as.data.frame(rows)
  names(newrows) <- names(frame)
  sf <- survfit(fit, newdata = newrows, conf.type = "log-log")
  s <- summary(sf, times = times, extend = TRUE)
  shape <- function(v) matrix(v, nrow = length(times))
  surv <- shape(s$surv)
  # survfit's own $std.err (not summary's, which is the se of S): the se of the cumulative hazard
  at <- findInterval(times, sf$time)
  se_chaz <- sf$std.err[at, , drop = FALSE]
  chaz <- sf$cumhaz[at, , drop = FALSE]
  # the limits are log(cumhaz) -/+ z se / cumhaz on the log(-log) scale: std.err is the se of cumhaz
  stopifnot(max(abs(shape(s$lower) - exp(-exp(log(chaz) + z * se_chaz / chaz)))) < 1e-12,
            max(abs(shape(s$upper) - exp(-exp(log(chaz) - z * se_chaz / chaz)))) < 1e-12,
            max(abs(surv - exp(-chaz))) < 1e-12)
  V <- vcov(fit)
  for (i in seq_len(nrow(rows))) {
    d <- rows[i, ] - xbar
    se <- sqrt(max(drop(t(d) %*% V %*% d), 0))
    for (h in seq_along(times)) {
      key <- paste(endpoint, format(times[h], digits = 17), sep = "|")
      put(i, "estimate", key, surv[h, i])
      put(i, "lower", key, shape(s$lower)[h, i])
      put(i, "upper", key, shape(s$upper)[h, i])
      put(i, "std_err", key, se_chaz[h, i])
      lim <- interval(surv[h, i], se)
      put(i, "lower_fixed", key, lim[1])
      put(i, "upper_fixed", key, lim[2])
    }
  }
}
fit <- crr(dat$cr_days, dat$cr_cause, cov1 = X, failcode = 2, cencode = 0)
stopifnot(fit$converged)
for (j in seq_along(fit$coef)) put(0, "coef_NRM", colnames(X)[j], fit$coef[j])
p <- predict(fit, cov1 = Xc)
times <- c(100, YEAR)
for (i in seq_len(nrow(Xc))) {
  d <- Xc[i, ] - xbar
  se <- sqrt(drop(t(d) %*% fit$var %*% d))
  for (h in seq_along(times)) {
    at <- sum(p[, 1] <= times[h])
    cif <- if (at == 0) 0 else p[at, i + 1]
    key <- paste("NRM", format(times[h], digits = 17), sep = "|")
    put(i, "estimate", key, cif)
    lim <- interval(1 - cif, se)  # limits of 1 - F, then F
    put(i, "lower", key, 1 - lim[2])
    put(i, "upper", key, 1 - lim[1])
  }
}
put(0, "columns", paste(colnames(X), collapse = ";"), ncol(X))
write.csv(do.call(rbind, out), "expected_predictions.csv", row.names = FALSE)
cat("wrote expected_predictions.csv\n")
