# Reference values of the proportional hazards test for remission.survival.proportional_hazards:
# survival::cox.zph(fit, transform) (survival 3.5), the score test of the time-by-covariate model at the
# fitted coefficients, per term and global, and its scaled Schoenfeld residuals.
#
#   cd tests/reference/regression && Rscript make_zph_reference.R
#
# Reads data_lung.csv, data_veteran.csv, data_heart.csv, data_ovarian.csv (written by make_reference.R)
# and cox_tied.csv (written by make_datasets.py). Writes (17 significant digits):
#   zph_table.csv      case, term, chisq, df, p            (the rows of zph$table, GLOBAL last)
#   zph_residuals.csv  case, row, time, x, strata, term, y  (zph$time, zph$x, zph$strata, zph$y; long format)
#   zph_var.csv        case, term1, term2, value            (zph$var)
# The case names are the keys the tests use; each case's call is written next to it below.
suppressPackageStartupMessages(library(survival))

lung2 <- read.csv("data_lung.csv")
lung2$w <- 1 + seq_len(nrow(lung2)) %% 3  # integer case weights 2, 3, 1, 2, 3, 1, ...
veteran2 <- read.csv("data_veteran.csv")
veteran2$celltype <- factor(veteran2$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
heart2 <- read.csv("data_heart.csv")
heart2$transplant <- factor(heart2$transplant)
ovarian2 <- read.csv("data_ovarian.csv")
tied <- read.csv("cox_tied.csv", stringsAsFactors = TRUE)

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
tables <- list()
resids <- list()
vars <- list()
zph_case <- function(case, fit, transform, terms = TRUE) {
  z <- cox.zph(fit, transform = transform, terms = terms)
  tb <- z$table
  tables[[length(tables) + 1]] <<- data.frame(case = case, term = rownames(tb), chisq = num(tb[, "chisq"]),
                                              df = tb[, "df"], p = num(tb[, "p"]))
  y <- as.matrix(z$y)
  strata <- if (is.null(z$strata)) "" else as.character(z$strata)
  for (j in seq_len(ncol(y))) {
    resids[[length(resids) + 1]] <<- data.frame(case = case, row = seq_len(nrow(y)), time = num(z$time),
                                                x = num(z$x), strata = strata, term = colnames(y)[j],
                                                y = num(y[, j]))
  }
  v <- as.matrix(z$var)
  nm <- colnames(y)
  vars[[length(vars) + 1]] <<- data.frame(case = case, term1 = rep(nm, times = length(nm)),
                                          term2 = rep(nm, each = length(nm)), value = num(as.vector(v)))
}

lung_f <- Surv(time, status) ~ age + sex + ph.ecog
f <- coxph(lung_f, lung2)
zph_case("lung_efron_km", f, "km")
zph_case("lung_efron_identity", f, "identity")
zph_case("lung_efron_rank", f, "rank")
zph_case("lung_efron_log", f, "log")
f <- coxph(lung_f, lung2, ties = "breslow")
zph_case("lung_breslow_km", f, "km")
zph_case("lung_breslow_rank", f, "rank")
f <- coxph(lung_f, lung2, weights = w)
zph_case("lung_weights_efron_km", f, "km")
f <- coxph(lung_f, lung2, weights = w, ties = "breslow")
zph_case("lung_weights_breslow_identity", f, "identity")

# celltype: a factor term of 3 columns (one test on 3 df; its residual is that of the linear predictor)
f <- coxph(Surv(time, status) ~ trt + karno + celltype, veteran2)
zph_case("veteran_efron_km", f, "km")
zph_case("veteran_efron_rank_columns", f, "rank", terms = FALSE)
f <- coxph(Surv(time, status) ~ trt + karno + celltype + strata(prior), veteran2)
zph_case("veteran_strata_km", f, "km")
zph_case("veteran_strata_identity_columns", f, "identity", terms = FALSE)
f <- coxph(Surv(time, status) ~ trt + karno + celltype + strata(prior), veteran2, ties = "breslow")
zph_case("veteran_strata_breslow_rank", f, "rank")

# counting process (start, stop] data
heart_f <- Surv(start, stop, event) ~ age + year + surgery + transplant
f <- coxph(heart_f, heart2)
zph_case("heart_efron_km", f, "km")
zph_case("heart_efron_identity", f, "identity")
zph_case("heart_efron_rank", f, "rank")
f <- coxph(heart_f, heart2, ties = "breslow")
zph_case("heart_breslow_km", f, "km")
f <- coxph(Surv(start, stop, event) ~ age + year + transplant + strata(surgery), heart2)
zph_case("heart_strata_km", f, "km")

f <- coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, ovarian2)
zph_case("ovarian_efron_km", f, "km")
zph_case("ovarian_efron_identity", f, "identity")

# tied times, factor terms (disease: 3 levels), non-integer case weights, strata
tied_f <- Surv(time, event) ~ x1 + x2 + disease + sex
f <- coxph(update(tied_f, . ~ . + strata(centre)), tied, weights = w)
zph_case("tied_weights_strata_efron_km", f, "km")
zph_case("tied_weights_strata_efron_rank", f, "rank")
f <- coxph(tied_f, tied, weights = w, ties = "breslow")
zph_case("tied_weights_breslow_identity", f, "identity")

# covariates constant within a stratum: their scaled residuals are NA there
lung2$ecog_m <- ifelse(lung2$sex == 1, 0, lung2$ph.ecog)  # 0 throughout stratum sex = 1
f <- coxph(Surv(time, status) ~ age + ecog_m + strata(sex), lung2)
zph_case("lung_strata_constant_km", f, "km")
# a factor constant within centre A and without the level ssc in centre B (disease2ssc constant there)
disease2 <- as.character(tied$disease)
disease2[tied$centre == "A"] <- "ms"
disease2[tied$centre == "B" & disease2 == "ssc"] <- "crohn"
tied$disease2 <- factor(disease2)
f <- coxph(Surv(time, event) ~ x1 + disease2 + strata(centre), tied, weights = w)
zph_case("tied_strata_constant_factor_km", f, "km")
zph_case("tied_strata_constant_factor_identity_columns", f, "identity", terms = FALSE)

write.csv(do.call(rbind, tables), "zph_table.csv", row.names = FALSE)
write.csv(do.call(rbind, resids), "zph_residuals.csv", row.names = FALSE)
write.csv(do.call(rbind, vars), "zph_var.csv", row.names = FALSE)
