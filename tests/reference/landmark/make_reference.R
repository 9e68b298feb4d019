# Reference values for remission.analysis.landmark, written independently of the Python code from the rule
# in its module notes:
#   cd tests/reference/landmark && Rscript make_reference.R
# Reads data_landmark.csv (make_dataset.py); writes expected_estimates.csv, expected_tests.csv and
# expected_counts.csv. Kaplan-Meier: survival::survfit(conf.type = "log-log"); test: survival::survdiff.
suppressPackageStartupMessages(library(survival))
message("survival ", packageVersion("survival"))
d <- read.csv("data_landmark.csv", stringsAsFactors = FALSE, na.strings = c("NA", ""))
d$response_definition[is.na(d$response_definition)] <- ""
d$response[is.na(d$response)] <- ""
year <- 365.25
landmarks <- c(year / 2, year)
after <- c(year, 2 * year, 3 * year)
responded <- function(def) {
  if (def == "assist_response") return("response")
  if (def == "doris_remission") return("remission")
  if (def == "eular_response") return(c("good", "moderate"))
  if (startsWith(def, "cdai_response")) return("response")
  stop(def)
}
status_at <- function(x, L) {
  out <- character(nrow(x))
  for (i in seq_len(nrow(x))) {
    def <- x$response_definition[i]; dec <- x$response[i]; day <- x$response_day[i]
    known <- !is.na(day) && day <= L
    if (def == "neda3") {
      if (dec == "evidence_of_activity" && known) out[i] <- "not responded"
      else if (dec %in% c("neda", "evidence_of_activity")) out[i] <- "responded"
      else out[i] <- "not assessed"
    } else if (dec %in% responded(def) && known) out[i] <- "responded"
    else if (!(dec %in% c("not_computable", "")) && known) out[i] <- "not responded"
    else out[i] <- "not assessed"
  }
  out
}
est <- list(); tst <- list(); cnt <- list()
with_def <- d[d$response_definition != "", ]
for (dis in sort(unique(with_def$disease))) {
  x <- with_def[with_def$disease == dis, ]
  for (L in landmarks) {
    for (ep in c("OS", "PFS")) {
      tcol <- if (ep == "OS") "os_days" else "pfs_days"
      ecol <- if (ep == "OS") "os_event" else "pfs_event"
      r <- x[x[[tcol]] > L, ]
      r$status <- status_at(r, L)
      r$time <- r[[tcol]] - L
      r$event <- r[[ecol]]
      for (s in c("responded", "not responded", "not assessed"))
        cnt[[length(cnt) + 1]] <- data.frame(disease = dis, landmark_days = L, endpoint = ep, status = s,
                                              n = sum(r$status == s))
      sizes <- table(r$status)
      sizes <- sizes[sizes >= 10]
      shown <- names(sizes)[order(-as.integer(sizes), names(sizes))]
      shown <- head(shown, 6)
      for (g in shown) {
        f <- survfit(Surv(time, event) ~ 1, data = r[r$status == g, ], conf.type = "log-log")
        s <- summary(f, times = after, extend = TRUE)
        est[[length(est) + 1]] <- data.frame(disease = dis, landmark_days = L, endpoint = ep, status = g,
          n = sum(r$status == g), after_days = after, estimate = s$surv, lower = s$lower, upper = s$upper)
      }
      if (length(shown) >= 2) {
        k <- r[r$status %in% shown, ]
        sd <- survdiff(Surv(time, event) ~ status, data = k)
        tst[[length(tst) + 1]] <- data.frame(disease = dis, landmark_days = L, endpoint = ep,
          groups = paste(shown, collapse = " vs "), statistic = sd$chisq, df = length(shown) - 1,
          p_value = pchisq(sd$chisq, length(shown) - 1, lower.tail = FALSE))
      }
    }
  }
}
write.csv(do.call(rbind, est), "expected_estimates.csv", row.names = FALSE)
write.csv(do.call(rbind, tst), "expected_tests.csv", row.names = FALSE)
write.csv(do.call(rbind, cnt), "expected_counts.csv", row.names = FALSE)
