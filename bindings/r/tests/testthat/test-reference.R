# The reference figures the C tests use, reached through R, and the CLI's
# figures reproduced for the same options and seed.

cli_json <- function(args, path) {
  out <- system2(cli(), c("estimate", "-f", "json", "-q", args,
                          shQuote(path)), stdout = TRUE)
  # the fields compared, read without a JSON package: each result's
  # "estimate", "lower" and "upper" in order, at the results' indentation
  # (the JSON is indented by 2; method details nest deeper)
  grab <- function(key) {
    m <- grep(sprintf('^      "%s": [-0-9.eE+]+,?$', key), out, value = TRUE)
    as.numeric(sub(",$", "", sub(".*: ", "", m)))
  }
  list(estimate = grab("estimate"), lower = grab("lower"),
       upper = grab("upper"))
}

# the CLI prints reals with 12 significant digits
same12 <- function(a, b) expect_equal(signif(a, 12), signif(b, 12),
                                      tolerance = 0)

test_that("Kosovo Chapman on EXH and ABA is 7231.472772 (SE 273.7525018)", {
  r <- vc_estimate(ref("Kosovo.csv"), method = "chapman",
                   lists = c("EXH", "ABA"))
  expect_equal(r$estimate, 7231.472772, tolerance = 1e-9)
  expect_equal(r$se, 273.7525018, tolerance = 1e-9)
  expect_equal(r$lists, "EXH,ABA")
  expect_match(r$headline, "^Kosovo: 7,231")
})

test_that("dga on Korea: median 159, 95% 123-432, mean 198.80", {
  r <- vc_estimate(ref("Korea.csv"), method = "dga", delta = 0.125,
                   n0_grid = c(0, 3075))
  expect_equal(c(r$estimate, r$lower, r$upper), c(159, 123, 432))
  d <- attr(r, "details")[[1]]
  expect_equal(d$mean, 198.80, tolerance = 5e-5)
  expect_equal(d$graphs[1], "[b,c][c,d]")
})

test_that("vc_bma.cr reproduces the engine's dga figures", {
  k <- korea_df()
  Y <- array(0, dim = c(2, 2, 2), dimnames = list(b = NULL, c = NULL,
                                                  d = NULL))
  for (i in seq_len(nrow(k))) Y[k$b[i] + 1, k$c[i] + 1, k$d[i] + 1] <- k$count[i]
  post <- vc_bma.cr(Y, Nmissing = 0:3075, delta = 1 / 8)
  e <- attr(post, "estimate")
  expect_equal(c(e$estimate, e$lower, e$upper), c(159, 123, 432))
  expect_equal(sum(post), 1, tolerance = 1e-9)
  expect_equal(names(post)[1], "0")
  expect_error(vc_bma.cr(Y, Nmissing = c(0, 5, 9), delta = 1 / 8), "every whole")
  expect_error(vc_bma.cr(Y, 0:10, 1 / 8, graphs = list()), "graphs = NULL")
})

test_that("estimate reproduces the CLI for the same options", {
  path <- ref("Kosovo.csv")
  cases <- list(
    list(m = c("chao", "independence"), args = character(), opts = list()),
    list(m = "loglinear", args = c("--bootstrap", "200", "--seed", "7"),
         opts = list(bootstrap = 200, seed = 7)),
    list(m = "loglinear", args = c("--select", "aic"),
         opts = list(select = "aic")),
    list(m = "dga", args = character(), opts = list()),
    list(m = "lcm", args = c("--iterations", "2000", "--burnin", "300",
                             "--seed", "11"),
         opts = list(iterations = 2000, burnin = 300, seed = 11)))
  for (cs in cases) {
    want <- cli_json(c("-m", paste(cs$m, collapse = ","), cs$args), path)
    got <- do.call(vc_estimate, c(list(path, method = cs$m), cs$opts))
    same12(got$estimate, want$estimate)
    same12(got$lower, want$lower)
    same12(got$upper, want$upper)
  }
})

test_that("vc_estimatepopulation is the CLI's stepwise bootstrap", {
  k <- korea_df("Freq")
  r <- vc_estimatepopulation(k, nboot = 200, iseed = 7)
  want <- cli_json(c("-m", "loglinear", "--bootstrap", "200", "--seed", "7"),
                   ref("Korea.csv"))
  same12(unname(r$estimate), c(want$estimate, want$lower, want$upper))
  expect_equal(r$estimate[[1]], 268.7778, tolerance = 1e-6)
  expect_named(r$estimate, c("point est.", "2.5%", "97.5%"))
  expect_error(vc_estimatepopulation(k, method = "lasso"), "stepwise")
})

test_that("an unknown sampler is refused, never replaced by the default", {
  caps <- korea_df("Freq")
  expect_error(vc_lcmCR(caps, tabular = TRUE, K = 5, burnin = 10,
                        samples = 10, sampler = "hybird"),
               "unknown sampler \"hybird\"")
  expect_error(vc_lcmCR(caps, tabular = TRUE, K = 5, burnin = 10,
                        samples = 10, sampler = "splitmerge"), "hybrid")
})

test_that("vc_lcmCR gives the CLI's draws of N", {
  path <- ref("Korea.csv")
  f <- tempfile(fileext = ".csv")
  system2(cli(), c("estimate", "-q", "-m", "lcm", "--classes", "5",
                   "--iterations", "2000", "--burnin", "100", "--thin",
                   "10", "--seed", "9", "--draws", f, shQuote(path)),
          stdout = FALSE)
  want <- utils::read.csv(f)$N
  caps <- korea_df("Freq")
  caps[1:3] <- lapply(caps[1:3], as.character)
  N <- vc_lcmCR(caps, tabular = TRUE, K = 5, seed = 9, burnin = 100,
                thinning = 10, samples = 200)
  expect_equal(as.numeric(N), as.numeric(want))
  expect_equal(attr(N, "chain"), rep(1:4, each = 200))
  # the same draws on one thread and on two
  N1 <- vc_lcmCR(caps, tabular = TRUE, K = 5, seed = 9, burnin = 100,
                 samples = 200, threads = 1)
  N2 <- vc_lcmCR(caps, tabular = TRUE, K = 5, seed = 9, burnin = 100,
                 samples = 200, threads = 2)
  expect_identical(as.numeric(N1), as.numeric(N2))
})

test_that("data frames, strata and draws", {
  t <- vc_table(korea_df(), source = "Korea.csv")
  expect_s3_class(t, "vc_table")
  expect_equal(t$info$observed, 123)
  r <- vc_estimate(t, method = c("chao", "lcm"), iterations = 500,
                   burnin = 50, draws = "matrix")
  expect_equal(nrow(r), 2)
  d <- attr(r, "details")[[2]]$draws
  expect_equal(colnames(d), c(".chain", ".iteration", "N", "alpha",
                              "occupied"))
  expect_equal(nrow(d), 4 * 50)
  if (requireNamespace("posterior", quietly = TRUE)) {
    r <- vc_estimate(t, method = "lcm", iterations = 500, burnin = 50)
    expect_s3_class(attr(r, "details")[[1]]$draws, "draws_df")
  }
  s <- data.frame(region = rep(c("N", "S"), each = 3), A = c(1, 0, 1, 1, 0, 1),
                  B = c(0, 1, 1, 0, 1, 1), count = c(10, 20, 5, 30, 40, 8))
  r <- vc_estimate(s, method = "chapman", strata = "region")
  expect_equal(r$stratum, c("N", "S"))
  expect_equal(r$estimate[1], (15 + 1) * (25 + 1) / (5 + 1) - 1)
})

test_that("errors carry the engine's message and status", {
  f <- tempfile(fileext = ".csv")
  writeLines(c("A,B,count", "1,0,5", "1,2,3"), f)
  expect_error(vc_table(f), ":3: column \"B\".*status 4")
  expect_error(vc_table(file.path(tempdir(), "none.csv")), "status 3")
  expect_error(vc_table(data.frame(A = c(1, NA), B = c(0, 1))), "missing")
  expect_error(vc_estimate(korea_df(), method = "chapman"), "exactly 2")
  expect_error(vc_estimate(korea_df(), method = "chao", bogus = 1), "bogus")
  r <- vc_estimate(korea_df(), method = "loglinear", model = "all-two-way",
                   errors = "keep")
  expect_true(is.na(r$estimate) && nzchar(r$error))
  expect_error(vc_estimate(korea_df(), method = "loglinear",
                           model = "all-two-way"), "status")
})

test_that("vc_validate describes overlaps and problems", {
  v <- vc_validate(data.frame(A = c(1, 0), B = c(0, 1), count = c(3, 4)))
  expect_equal(v$observed, 7)
  expect_equal(unname(v$strata[[1]]$overlaps), matrix(c(3, 0, 0, 4), 2))
  expect_length(v$strata[[1]]$problems, 2)
})

test_that("a GSL error does not abort R", {
  # LCMCR's defaults on Korea: a Beta quantile of the diagnostics failed to
  # converge, and GSL's default handler aborted R until it was turned off
  k <- korea_df("Freq")
  N <- vc_lcmCR(k, tabular = TRUE, samples = 1000)
  expect_length(N, 4000)
})

# The estimates of a CLI batch's unit files (DIR/cache/*.json, doubles with
# 17 digits), as text, by "stratum|method", in row order.
cache_estimates <- function(dir) {
  out <- list()
  for (f in list.files(file.path(dir, "cache"), pattern = "[.]json$",
                       full.names = TRUE)) {
    l <- readLines(f, encoding = "UTF-8", warn = FALSE)
    top <- function(k) sub(sprintf('^ "%s": "(.*)",?$', k), "\\1",
                           grep(sprintf('^ "%s": ', k), l, value = TRUE)[1])
    if (top("variant") != "") next
    est <- function(k) sub(",$", "", sub(sprintf('^    "%s": ', k), "",
                           grep(sprintf('^    "%s": ', k), l, value = TRUE)))
    nrow <- length(grep('^   "status": ', l))
    e <- list(estimate = est("estimate"), lower = est("lower"),
              upper = est("upper"))
    expect_true(all(lengths(e) == nrow))
    out[[paste(top("stratum"), top("method"), sep = "|")]] <- e
  }
  out
}

test_that("vc_batch is bit-identical to the CLI's batch", {
  path <- ref("../examples/central-asia.csv")
  out <- tempfile()
  on.exit(unlink(out, recursive = TRUE))
  st <- system2(cli(), c("batch", shQuote(path), "--strata", "country,year",
                         "--methods", "chapman,loglinear,chao",
                         "--bootstrap", "100", "--seed", "9", "--threads",
                         "2", "--out", shQuote(out), "-q"),
                stdout = FALSE)
  expect_equal(st, 0L)
  got <- vc_batch(path, method = c("chapman", "loglinear", "chao"),
                  strata = c("country", "year"), bootstrap = 100, seed = 9,
                  threads = 1)
  expect_equal(nrow(got), 9L * (3L + 2L))  # chapman: three pairs
  units <- cache_estimates(out)
  expect_equal(length(units), 9L * 3L)
  key <- paste(got$stratum, got$method, sep = "|")
  for (k in unique(key)) {
    rows <- got[key == k, ]
    for (f in c("estimate", "lower", "upper")) {
      # exact: the 17 digits C prints, as the unit file has them
      expect_identical(sprintf("%.17g", rows[[f]]),
                       sub("[.]0$", "", units[[k]][[f]]))
    }
  }
  csv <- utils::read.csv(file.path(out, "results.csv"),
                         stringsAsFactors = FALSE)
  expect_identical(got$headline, csv$headline)
  expect_identical(got$method, csv$method)
})

test_that("vc_batch: default methods, refused units, unknown methods", {
  d <- data.frame(s = c("x", "x", "x", "x", "y"), A = c(1, 0, 1, 0, 1),
                  B = c(0, 1, 1, 0, 0), C = c(0, 0, 0, 1, 0),
                  count = c(50, 40, 20, 30, 9))
  r <- vc_batch(d, method = c("chapman", "chao"), strata = "s")
  expect_equal(r$method, c(rep("chapman", 3), "chao", "chapman", "chao"))
  expect_equal(r$status[5:6], c(5L, 5L))
  expect_match(r$error[5], "^only 1 list saw anyone here")
  expect_error(vc_batch(d, method = "lcmcr", strata = "s"),
               "unknown method")
  expect_error(vc_batch(d, method = character(), strata = "s"),
               "no methods named")
  r <- vc_batch(d, strata = "s", iterations = 200, burnin = 50,
                bootstrap = 20)
  expect_equal(r$method[r$stratum == "y"],
               c("chapman", "loglinear", "lcm", "dga"))
})

test_that("a long run stops at R's interrupt check (a time limit)", {
  # setTimeLimit is checked where an interrupt is (R_CheckUserInterrupt)
  t0 <- Sys.time()
  setTimeLimit(elapsed = 1, transient = TRUE)
  on.exit(setTimeLimit(elapsed = Inf))
  expect_error(vc_estimate(ref("Kosovo.csv"), method = "lcm",
                           iterations = 1e7, burnin = 0, threads = 1),
               "time limit")
  setTimeLimit(elapsed = Inf)
  expect_lt(as.numeric(difftime(Sys.time(), t0, units = "secs")), 30)
  gc() # the chains' finalizer frees them
})
