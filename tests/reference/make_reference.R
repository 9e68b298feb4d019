# Reference values for remission.survival, computed with R's survival and cmprsk packages.
#
# Run from the repository root:   Rscript tests/reference/make_reference.R
# Needs: r-base-core r-cran-survival r-cran-cmprsk (Debian), installed by scripts/install-r.sh.
# The data sets are written first by the tests' own generators (see each part's README line below);
# this script reads them and writes the reference values next to them. Tests read only the files.
#
# Parts:
#   nonparametric/  Kaplan-Meier, Nelson-Aalen, log-rank, Aalen-Johansen (cuminc), Gray's test, RMST, pseudo-values
#   regression/     Cox (coxph) and Fine-Gray (crr); then make_survfit_se_reference.R, survfit's std.err,
#                   and make_zph_reference.R, cox.zph
#   multistate/     Aalen-Johansen state occupation (survfit with id, istate, weights)
#   propensity/     glm(binomial) with ns(), MatchIt nearest-neighbour matching, summary(matchit)
#   landmark/       landmark analysis (survfit, survdiff)
#   comparison/     target-trial emulation: weights, coxph(robust), weighted survfit
#   ph_report/      the outcomes report's proportional-hazards tests (cox.zph)
#   transitions/    transition-specific Cox models of the registry's multi-state model
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
for (part in c("nonparametric", "regression")) {
  script <- file.path(here, part, "make_reference.R")
  if (file.exists(script)) {
    message("== ", part)
    source(script, chdir = TRUE)
  }
}
# after regression/make_reference.R, which writes the data sets it reads
se_script <- file.path(here, "regression", "make_survfit_se_reference.R")
if (file.exists(se_script)) {
  message("== regression: survfit std.err")
  source(se_script, chdir = TRUE)
}
zph_script <- file.path(here, "regression", "make_zph_reference.R")
if (file.exists(zph_script)) {
  message("== regression: cox.zph")
  source(zph_script, chdir = TRUE, local = new.env())
}
# each in its own environment: a script may name its own variables here, part or script
for (part in c("multistate", "propensity", "landmark", "comparison", "ph_report", "transitions")) {
  script <- file.path(here, part, "make_reference.R")
  if (file.exists(script)) {
    message("== ", part)
    source(script, chdir = TRUE, local = new.env())
  }
}
