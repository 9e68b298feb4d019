# Reference values for the proportional hazards tests shown beside the Cox models of the outcome analysis
# (remission.analysis.outcomes.fit_stratum_models, issue 17): survival::cox.zph(coxph(...), transform = "km")
# (survival 3.5) on a synthetic cohort written here, with the covariates coded as the analysis codes them.
#
#   cd tests/reference/ph_report && Rscript make_reference.R
#
# Writes (17 significant digits):
#   data.csv       the cohort (one row per patient; sex "unknown" rows are left out of the models,
#                  an empty intensity is the level "unknown")
#   coef.csv       stratum, endpoint, term, coef          (coxph coefficients: the coding agrees)
#   zph_table.csv  stratum, endpoint, term, chisq, df, p  (cox.zph(fit, transform = "km")$table)
#   zph_terms.csv  stratum, endpoint, term, row, time, x, y, var
#                  (cox.zph(fit, transform = "km"), the default terms = TRUE: per term whose p < 0.05 in
#                  the table above, the deaths in R's order, zph$y[, j] (a factor's columns collapsed
#                  into its part of the linear predictor, centred at 1) and zph$var[j, j])
#   zph_smooth.csv stratum, endpoint, term, x, yhat, lower, upper
#                  (what plot(cox.zph(fit)) draws for those terms, df = 4, nsmo = 40: its own code below)
# Endpoints: OS and PFS (Cox), NRM (cause-specific Cox: NRM an event, relapse censored). Strata: "all"
# (every covariate), "ms" and "ssc" (no disease covariate; references as in "all").
# The data: disease's effect on OS reverses after a year (PH fails for disease); the rest is proportional.
suppressPackageStartupMessages(library(survival))
library(splines)

set.seed(17)
n <- 900
disease <- sample(c("ms", "ssc", "crohn"), n, replace = TRUE, prob = c(0.45, 0.35, 0.20))
sex <- sample(c("female", "male", "unknown"), n, replace = TRUE, prob = c(0.60, 0.37, 0.03))
age <- round(runif(n, 18, 65), 1)
era <- sample(c("2000-2009", "2010-2019", "2020-2029"), n, replace = TRUE, prob = c(0.25, 0.50, 0.25))
intensity <- sample(c("high", "intermediate", "low", ""), n, replace = TRUE, prob = c(0.2, 0.5, 0.2, 0.1))
experienced <- sample(c(TRUE, FALSE), n, replace = TRUE, prob = c(0.6, 0.4))
# relapse and NRM latent times (days); OS: death from NRM, or after relapse
lp <- 0.3 * (age - 40) / 10 + 0.3 * (sex == "male") + 0.2 * (intensity == "high")
rel <- rexp(n, 1 / 1500 * exp(lp - 0.3 * experienced))
nrm_rate <- 1 / 3000 * exp(lp)
# ssc: 4 times the NRM hazard in the first year, a quarter after; crohn: the reverse
early <- ifelse(disease == "ssc", 4, ifelse(disease == "crohn", 0.25, 1))
u <- -log(runif(n))
# cumulative hazard H(t) = r early t for t < 365, r (early 365 + (t - 365) / early) after
first <- nrm_rate * early * 365
nrm <- ifelse(u < first, u / (nrm_rate * early), 365 + (u - first) * early / nrm_rate)
censor <- runif(n, 200, 4000)
cr_days <- pmax(1, round(pmin(rel, nrm, censor)))
cr_cause <- ifelse(censor <= pmin(rel, nrm), 0L, ifelse(rel < nrm, 1L, 2L))
after <- round(rexp(n, 1 / 700))
os_days <- ifelse(cr_cause == 1, pmin(cr_days + after, round(censor) + 1), cr_days)
os_event <- as.integer(cr_cause == 2 | (cr_cause == 1 & cr_days + after <= censor))
infusion <- as.Date("2003-01-01") + sample(0:6000, n, replace = TRUE)
data <- data.frame(
  registry_id = sprintf("P%04d", seq_len(n)), centre = sample(c("a", "b", "c", "d"), n, replace = TRUE),
  disease = disease, sex = sex, age = age, era = era, intensity = intensity, experienced = experienced,
  infusion_date = format(infusion), cr_days = cr_days, cr_cause = cr_cause, pfs_days = cr_days,
  pfs_event = as.integer(cr_cause > 0), os_days = os_days, os_event = os_event,
  last_contact = format(infusion + os_days)
)
write.csv(data, "data.csv", row.names = FALSE)

# the coding of remission.analysis.outcomes.model_frame: age per 10 years; intensity "" -> "unknown";
# sex "unknown" missing; experienced "yes"/"no"; each factor's reference its most common level (ties:
# the first in the factor's order: era chronological, others alphabetical), from the whole cohort
d <- data
d$age_per_10y <- d$age / 10
d$intensity[d$intensity == ""] <- "unknown"
d$sex[d$sex == "unknown"] <- NA
d$experienced <- ifelse(d$experienced, "yes", "no")
d <- d[!is.na(d$sex), ]
most_common <- function(x) {
  levels <- sort(unique(x))
  counts <- table(factor(x, levels = levels))
  levels[which.max(counts)]  # which.max: the first of ties
}
for (name in c("sex", "disease", "era", "intensity", "experienced")) {
  levels <- sort(unique(d[[name]]))
  ref <- most_common(d[[name]])
  d[[name]] <- factor(d[[name]], levels = c(ref, setdiff(levels, ref)))
}
d$nrm_event <- as.integer(d$cr_cause == 2)

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
coefs <- list(); tables <- list(); panels <- list(); smooths <- list()
endpoints <- list(OS = c("os_days", "os_event"), PFS = c("pfs_days", "pfs_event"),
                  NRM = c("cr_days", "nrm_event"))
for (stratum in c("all", "ms", "ssc")) {
  rows <- if (stratum == "all") d else droplevels(d[d$disease == stratum, ])
  terms <- c("age_per_10y", "sex", if (stratum == "all") "disease", "era", "intensity", "experienced")
  for (endpoint in names(endpoints)) {
    v <- endpoints[[endpoint]]
    f <- as.formula(paste0("Surv(", v[1], ", ", v[2], ") ~ ", paste(terms, collapse = " + ")))
    fit <- coxph(f, data = rows, ties = "efron")
    coefs[[length(coefs) + 1]] <- data.frame(stratum = stratum, endpoint = endpoint,
                                             term = names(coef(fit)), coef = num(coef(fit)))
    z <- cox.zph(fit, transform = "km")
    tb <- z$table
    tables[[length(tables) + 1]] <- data.frame(stratum = stratum, endpoint = endpoint, term = rownames(tb),
                                               chisq = num(tb[, "chisq"]), df = tb[, "df"],
                                               p = num(tb[, "p"]))
    failing <- setdiff(rownames(tb)[tb[, "p"] < 0.05], "GLOBAL")
    if (length(failing) == 0) next
    for (term in failing) {
      j <- match(term, colnames(z$y))
      panels[[length(panels) + 1]] <- data.frame(stratum = stratum, endpoint = endpoint, term = term,
                                                   row = seq_along(z$time), time = num(z$time),
                                                   x = num(z$x), y = num(z$y[, j]),
                                                   var = num(z$var[j, j]))
      # plot.cox.zph (survival 3.5), df = 4, nsmo = 40, se = TRUE: its lines, computed as it computes them
      xx <- z$x; y <- z$y[, j]; nsmo <- 40; df <- 4
      pred.x <- seq(from = min(xx), to = max(xx), length = nsmo)
      lmat <- ns(c(pred.x, xx), df = df, intercept = TRUE)
      pmat <- lmat[1:nsmo, ]; xmat <- lmat[-(1:nsmo), ]
      keep <- !is.na(y)
      qmat <- qr(xmat[keep, ])
      yhat <- pmat %*% qr.coef(qmat, y[keep])
      bk <- backsolve(qmat$qr[1:df, 1:df], diag(df))
      seval <- ((pmat %*% (bk %*% t(bk))) * pmat) %*% rep(1, df)
      band <- 2 * sqrt(z$var[j, j] * seval)
      smooths[[length(smooths) + 1]] <- data.frame(stratum = stratum, endpoint = endpoint, term = term,
                                                   x = num(pred.x), yhat = num(yhat),
                                                   lower = num(yhat - band), upper = num(yhat + band))
    }
  }
}
write.csv(do.call(rbind, coefs), "coef.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, tables), "zph_table.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, panels), "zph_terms.csv", row.names = FALSE, quote = FALSE)
write.csv(do.call(rbind, smooths), "zph_smooth.csv", row.names = FALSE, quote = FALSE)
