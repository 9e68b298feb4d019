#!/usr/bin/env bash
# Installs R with the survival, cmprsk, riskRegression, MatchIt and survey packages from Debian's packages (for regenerating
# tests/reference/ and for the R column of the benchmarks). The tests themselves do not need R.
set -euo pipefail
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(survival); library(cmprsk); library(riskRegression); library(MatchIt); library(survey)' >/dev/null 2>&1; then
  exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq r-base-core r-cran-survival r-cran-cmprsk r-cran-riskregression r-cran-matchit r-cran-survey
