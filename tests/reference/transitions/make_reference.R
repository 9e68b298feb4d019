# Reference values for remission.analysis.multistate.transition_models:
#   cd tests/reference/transitions && Rscript make_reference.R
# Reads data_patients.csv and data_paths.csv (make_dataset.py). For each transition (from, to): the rows
# at risk in `from`, the event a move to `to` (a move elsewhere censors), coxph(Surv(start, stop, event) ~
# age + sex + cluster(id), ties = "efron") — the transition-specific models of the stacked data with a
# stratum per transition. (R's own multi-state coxph(Surv(start, stop, state) ~ ., id, istate) in survival
# 3.5.3 prints method "efron" but its coefficients are those of ties = "breslow"; hence the explicit fits.)
# Writes expected_transitions.csv: transition, term, coef, se, robust_se, p (robust).
suppressPackageStartupMessages(library(survival))
message("survival ", packageVersion("survival"))
patients <- read.csv("data_patients.csv", stringsAsFactors = FALSE)
paths <- read.csv("data_paths.csv", stringsAsFactors = FALSE, na.strings = "NA")
paths$to_state[is.na(paths$to_state)] <- ""
d <- merge(paths, patients[, c("registry_id", "age", "sex")], by.x = "id", by.y = "registry_id")
transitions <- list(
  c("transplanted", "response"), c("transplanted", "relapse/progression"),
  c("transplanted", "death without relapse"), c("response", "relapse/progression"),
  c("response", "death without relapse"), c("relapse/progression", "death after relapse")
)
out <- list()
for (tr in transitions) {
  k <- d[d$from_state == tr[1], ]
  k$event <- as.integer(k$to_state == tr[2])
  fit <- coxph(Surv(start, stop, event) ~ age + sex + cluster(id), data = k, ties = "efron")
  s <- summary(fit)$coefficients
  out[[length(out) + 1]] <- data.frame(transition = paste(tr[1], "→", tr[2]), term = rownames(s),
    coef = s[, "coef"], se = s[, "se(coef)"], robust_se = s[, "robust se"], p = s[, "Pr(>|z|)"])
}
write.csv(do.call(rbind, out), "expected_transitions.csv", row.names = FALSE, fileEncoding = "UTF-8")
