# bench/bindings_dropins.R: the time of the R package's drop-in calls
# (vc_lcmCR, vc_bma.cr, vc_estimatepopulation) on the public reference
# tables, median of REPS runs each, for bench/RESULTS.md.  The anchors'
# own calls (LCMCR, dga, SparseMSE) are timed by the same script when
# those packages are installed (they were not where these figures were
# taken); the ratio column is then filled.
#
#   R_LIBS=build/R VC_REFDATA=data/reference Rscript bench/bindings_dropins.R
suppressMessages(library(victimcount))
reps <- as.integer(Sys.getenv("REPS", "5"))
ref <- function(name) {
  file.path(Sys.getenv("VC_REFDATA", "data/reference"), name)
}
kosovo <- utils::read.csv(ref("Kosovo.csv"))
korea <- utils::read.csv(ref("Korea.csv"))
ukdat <- utils::read.csv(ref("UKdat.csv"))

# a table of counts as dga's 2 x 2 x ... array
as_array <- function(d) {
  J <- ncol(d) - 1L
  Y <- array(0, dim = rep(2L, J),
             dimnames = stats::setNames(rep(list(NULL), J), names(d)[1:J]))
  for (i in seq_len(nrow(d))) {
    Y[matrix(unlist(d[i, 1:J]) + 1L, nrow = 1)] <- d[i, J + 1L]
  }
  Y
}

# medians of the elapsed and the CPU seconds (user + system, all threads)
# of reps runs; on a loaded machine the CPU time is the steadier figure
median_time <- function(f) {
  t <- vapply(seq_len(reps), function(i) {
    s <- system.time(f())
    c(s[["elapsed"]], s[["user.self"]] + s[["sys.self"]])
  }, numeric(2))
  apply(t, 1, stats::median)
}

have <- function(p) requireNamespace(p, quietly = TRUE)
row <- function(call, table, f, anchor = NULL) {
  mine <- median_time(f)
  theirs <- if (!is.null(anchor)) median_time(anchor) else c(NA, NA)
  cat(sprintf("| %s | %s | %.3f | %.3f | %s | %s |\n", call, table, mine[1],
              mine[2], if (is.na(theirs[1])) "not installed"
                       else sprintf("%.3f", theirs[1]),
              if (is.na(theirs[1])) "-"
              else sprintf("%.1f", theirs[1] / mine[1])))
}

cat(sprintf(paste0("R %s, victimcount %s, medians of %d runs each, ",
                   "OMP_NUM_THREADS=%s, load average %s\n\n"),
            getRversion(), utils::packageVersion("victimcount"), reps,
            Sys.getenv("OMP_NUM_THREADS", "(unset)"),
            paste(scan("/proc/loadavg", what = "", n = 3, quiet = TRUE),
                  collapse = " ")))
cat("| call | table | drop-in elapsed s | drop-in CPU s | anchor elapsed s |",
    "anchor / drop-in |\n")
cat("|---|---|---|---|---|---|\n")
# LCMCR's own example: K = 10, 1000 draws thinned by 100 after 10000
row("vc_lcmCR(K = 10, thinning = 100, samples = 1000), 4 hybrid chains",
    "Kosovo", function() vc_lcmCR(kosovo, tabular = TRUE, K = 10,
                                  thinning = 100, burnin = 10000,
                                  samples = 1000, seed = 1),
    if (have("LCMCR")) function() {
      s <- LCMCR::lcmCR(kosovo, tabular = TRUE, K = 10, seed = 1,
                        thinning = 100)
      LCMCR::lcmCR_PostSampl(s, burnin = 10000, samples = 1000,
                             thinning = 100, output = FALSE)
    })
row("vc_lcmCR(same, sampler = \"gibbs\", chains = 1): LCMCR's scheme",
    "Kosovo", function() vc_lcmCR(kosovo, tabular = TRUE, K = 10,
                                  thinning = 100, burnin = 10000,
                                  samples = 1000, seed = 1,
                                  sampler = "gibbs", chains = 1),
    if (have("LCMCR")) function() {
      s <- LCMCR::lcmCR(kosovo, tabular = TRUE, K = 10, seed = 1,
                        thinning = 100)
      LCMCR::lcmCR_PostSampl(s, burnin = 10000, samples = 1000,
                             thinning = 100, output = FALSE)
    })
Yk <- as_array(korea)
row("vc_bma.cr(Nmissing = 0:3075, delta = 1/8)", "Korea",
    function() vc_bma.cr(Yk, 0:3075, 1 / 8),
    if (have("dga")) function() {
      utils::data(graphs3, package = "dga", envir = environment())
      dga::bma.cr(Yk, 0:3075, 1 / 8, get("graphs3"))
    })
Yv <- as_array(kosovo)
row("vc_bma.cr(Nmissing = 0:30000, delta = 1/16)", "Kosovo",
    function() vc_bma.cr(Yv, 0:30000, 1 / 16),
    if (have("dga")) function() {
      utils::data(graphs4, package = "dga", envir = environment())
      dga::bma.cr(Yv, 0:30000, 1 / 16, get("graphs4"))
    })
row("vc_estimatepopulation(nboot = 1000)", "Korea",
    function() vc_estimatepopulation(korea, nboot = 1000),
    if (have("SparseMSE")) function()
      SparseMSE::estimatepopulation(korea, nboot = 1000))
row("vc_estimatepopulation(nboot = 1000)", "UKdat",
    function() vc_estimatepopulation(ukdat, nboot = 1000),
    if (have("SparseMSE")) function()
      SparseMSE::estimatepopulation(ukdat, nboot = 1000))
