# Reference predictions with disease subtype for remission.analysis.prediction (helper C; kept apart from
# make_reference.R): coxph + survfit (OS, PFS), cmprsk::crr + predict.crr (NRM), on
# data_prediction_subtype.csv (written by make_dataset.py: data_prediction.csv plus a subtype column), for
# the candidates below.
#
#   cd tests/reference/prediction && Rscript make_subtype_reference.R
#
# Coded here from the raw columns, independently of the Python code, by the rules make_reference.R states
# (complete cases, the same factor coding, diseases with fewer than 30 complete-case patients left out,
# Harrell's spline with knots at quantile(age, c(.1, .5, .9))), plus the subtype rule of the prediction
# models: within each disease of the model, the reference is its most common recorded subtype (ties: the
# first alphabetically); every other subtype with at least 50 fitted patients gets an indicator
# (named disease<d>:subtype<s>, after the disease columns, diseases in their level order, subtypes
# alphabetical); an unrecorded ("") or rarer subtype is coded as the reference (all its indicators 0).
# Every subtype code in the data is one of its disease's codes in the clinical catalogue, so the rule that
# an unknown code counts as unrecorded is not exercised here.
# Writes expected_subtype_predictions.csv (candidate, what, key, value; 17 significant digits).
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

raw <- read.csv("data_prediction_subtype.csv", stringsAsFactors = FALSE, na.strings = c("NA"))
raw$subtype[is.na(raw$subtype)] <- ""
for (name in c("sex", "disease", "performance_scale", "intensity")) raw[[name]][raw[[name]] == ""] <- NA
YEAR <- 365.25
MIN_PER_SUBTYPE <- 50

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
ok <- complete.cases(pred)  # subtype is not a predictor column here: it never makes a row incomplete
pred <- pred[ok, ]
dat <- raw[ok, ]
counts <- table(pred$disease)
keep <- pred$disease %in% names(counts)[counts >= 30]
pred <- pred[keep, ]
dat <- dat[keep, ]
pred$subtype <- dat$subtype
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
# the modelled subtypes: list of c(disease, subtype) pairs, in column order
sub_terms <- list()
for (d in lev$disease) {
  s <- pred$subtype[pred$disease == d & pred$subtype != ""]
  if (length(s) == 0) next
  tab <- table(s)
  natural <- sort(names(tab))
  n <- as.integer(tab[natural])
  ref <- natural[which.max(n)]  # most common, ties: first alphabetically
  for (level in natural[n >= MIN_PER_SUBTYPE & natural != ref]) sub_terms[[length(sub_terms) + 1]] <- c(d, level)
}
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
  subtypes <- sapply(sub_terms, function(term) as.numeric(p$disease == term[1] & p$subtype == term[2]))
  subtypes <- matrix(subtypes, nrow = nrow(p))
  colnames(subtypes) <- sapply(sub_terms, function(term) paste0("disease", term[1], ":subtype", term[2]))
  s <- rcs(p$age, knots)
  colnames(s) <- c("age", "age'")
  cbind(s, dummies("sex"), dummies("disease"), subtypes, hct_ci = p$hct_ci, dummies("performance"),
        dummies("intensity"), dummies("era"), dummies("experienced"))
}
X <- design(pred)
xbar <- colMeans(X)
frame <- as.data.frame(X)
names(frame) <- paste0("v", seq_len(ncol(X)))

# 1: SSc limited (a modelled subtype); 2: MS, subtype unrecorded (the reference); 3: MS spms (modelled);
# 4: SSc sine (fewer than 50 patients: coded as the reference, diffuse)
candidates <- data.frame(
  age = c(50, 30, 30, 50),
  sex = c("female", "male", "male", "female"),
  disease = c("ssc", "ms", "ms", "ssc"),
  subtype = c("limited", "", "spms", "sine"),
  hct_ci = c(2, 0, 0, 2),
  performance = c("reduced", "normal", "normal", "reduced"),  # ecog 1, kps 100, kps 100, ecog 1
  intensity = c("high", "low", "low", "high"),
  era = as.character(era_of(c(2024, 2012, 2012, 2024))),
  experienced = c("yes", "no", "no", "yes"),  # centre experience 30, 5, 5, 30
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
put(0, "n", "fitted", nrow(pred))
for (i in seq_len(nrow(Xc))) put(i, "design", colnames(Xc), Xc[i, ])

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
  s <- summary(survfit(fit, newdata = newframe), times = times, extend = TRUE)
  surv <- matrix(s$surv, nrow = length(times))
  V <- vcov(fit)
  for (i in seq_len(nrow(Xc))) {
    d <- Xc[i, ] - xbar
    se <- sqrt(drop(t(d) %*% V %*% d))
    for (h in seq_along(times)) {
      key <- paste(endpoint, format(times[h], digits = 17), sep = "|")
      put(i, "estimate", key, surv[h, i])
      lim <- interval(surv[h, i], se)
      put(i, "lower", key, lim[1])
      put(i, "upper", key, lim[2])
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
write.csv(do.call(rbind, out), "expected_subtype_predictions.csv", row.names = FALSE)
cat("wrote expected_subtype_predictions.csv\n")
