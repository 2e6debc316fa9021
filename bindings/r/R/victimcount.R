# The package's functions: read a table, estimate, validate, and the calls
# in the style of LCMCR, dga and SparseMSE.  The C side (src/victimcount.c)
# makes the library calls of `victimcount estimate`.

vc_methods <- c("chapman", "petersen", "pairwise", "chao", "independence",
                "loglinear", "lcm", "dga")

# The engine's options (the CLI's flags) that vc_estimate() takes in `...`.
vc_option_names <- c("interval", "seed", "threads", "model",
                     "heterogeneity", "select", "pthresh", "bootstrap",
                     "classes", "chains", "sampler", "temperatures",
                     "iterations", "burnin", "thin", "delta", "n0_grid",
                     "dga_mcmc", "a_alpha", "b_alpha")

# A data frame as the CSV text the library reads: logical columns as 0/1,
# and no missing value anywhere (an empty cell would read as "not seen").
df_to_csv <- function(x) {
  x <- as.data.frame(x, stringsAsFactors = FALSE)
  if (anyNA(x)) {
    stop("vc_table: the data hold missing values (NA); a list cell must ",
         "say seen or not seen", call. = FALSE)
  }
  for (j in seq_along(x)) {
    if (is.logical(x[[j]])) x[[j]] <- as.integer(x[[j]])
    if (is.factor(x[[j]])) x[[j]] <- as.character(x[[j]])
  }
  lines <- utils::capture.output(utils::write.csv(x, row.names = FALSE))
  charToRaw(enc2utf8(paste0(paste(lines, collapse = "\n"), "\n")))
}

vc_table <- function(x, count = NULL, lists = NULL, strata = NULL,
                     merge = NULL, omit = NULL, encoding = NULL,
                     source = "data") {
  opts <- list(count = count, lists = lists, strata = strata, merge = merge,
               omit = omit, encoding = encoding)
  opts <- opts[!vapply(opts, is.null, logical(1))]
  opts <- lapply(opts, as.character)
  if (is.character(x) && length(x) == 1L) {
    ptr <- .Call(vcr_read, path.expand(x), NULL, NULL, opts)
  } else if (is.data.frame(x) || is.matrix(x)) {
    ptr <- .Call(vcr_read, NULL, df_to_csv(x), as.character(source), opts)
  } else {
    stop("vc_table: x must be a file name, a data frame or a matrix",
         call. = FALSE)
  }
  info <- .Call(vcr_info, ptr)
  structure(list(ptr = ptr, info = info), class = "vc_table")
}

print.vc_table <- function(x, ...) {
  i <- x$info
  cat(sprintf("victimcount table %s: %s, %d lists (%s), %s people seen, %d %s\n",
              i$source, if (i$aggregated) "aggregated" else "one row per person",
              length(i$lists), paste(i$lists, collapse = ", "),
              format(i$observed, big.mark = ","), length(i$tables),
              if (length(i$tables) == 1L) "stratum" else "strata"))
  for (n in i$notes) cat("note:", n, "\n")
  invisible(x)
}

as_vc_table <- function(x, read) {
  if (inherits(x, "vc_table")) x else do.call(vc_table, c(list(x), read))
}

# The draws of one lcm row: posterior::draws_df when posterior is
# installed, else a matrix with .chain and .iteration columns.
lcm_draws <- function(m, as) {
  colnames(m) <- c(".chain", ".iteration", "N", "alpha", "occupied")
  if (as == "auto") {
    as <- if (requireNamespace("posterior", quietly = TRUE)) "posterior"
          else "matrix"
  }
  if (as == "posterior") {
    df <- as.data.frame(m)
    df$.chain <- as.integer(df$.chain)
    df$.iteration <- as.integer(df$.iteration)
    return(posterior::as_draws_df(df))
  }
  m
}

# The read options and the engine's options in `...`, checked.
split_dots <- function(dots, fun) {
  read_names <- c("count", "lists", "strata", "merge", "omit", "encoding",
                  "source")
  read <- dots[intersect(names(dots), read_names)]
  opts <- dots[setdiff(names(dots), read_names)]
  bad <- setdiff(names(opts), vc_option_names)
  if (length(opts) && (is.null(names(opts)) || any(names(opts) == "")))
    stop(fun, ": options in ... must be named", call. = FALSE)
  if (length(bad))
    stop(fun, ": unknown option(s) ", paste(bad, collapse = ", "),
         "; see ?vc_estimate", call. = FALSE)
  if (!is.null(opts$n0_grid)) opts$n0_grid <- as.numeric(opts$n0_grid)
  list(read = read, opts = opts)
}

# The rows from C as a data frame, the details as an attribute.
rows_to_df <- function(rows, draws) {
  cols <- c("stratum", "method", "lists", "estimate", "se", "lower",
            "upper", "level", "interval", "observed", "warnings",
            "headline", "error")
  out <- as.data.frame(lapply(stats::setNames(cols, cols), function(k)
    unlist(lapply(rows, `[[`, k))), stringsAsFactors = FALSE)
  details <- lapply(rows, function(r) {
    d <- r$details
    if (!is.null(d$draws)) {
      d$draws <- if (draws == "none") NULL else lcm_draws(d$draws, draws)
    }
    d
  })
  attr(out, "details") <- details
  out
}

vc_estimate <- function(x, method = NULL, level = 0.95, ...,
                        draws = c("auto", "posterior", "matrix"),
                        errors = c("stop", "keep")) {
  draws <- match.arg(draws)
  errors <- match.arg(errors)
  dots <- split_dots(list(...), "vc_estimate")
  opts <- dots$opts
  tab <- as_vc_table(x, dots$read)
  if (is.null(method)) {
    method <- if (length(tab$info$lists) == 2L) "chapman"
              else c("loglinear", "chao")
  }
  unknown <- setdiff(method, vc_methods)
  if (length(unknown))
    stop("vc_estimate: unknown method(s) ", paste(unknown, collapse = ", "),
         call. = FALSE)
  if (any(method %in% c("chapman", "petersen")) &&
      length(tab$info$lists) != 2L)
    stop("vc_estimate: chapman and petersen need exactly 2 lists; pick two ",
         "with lists = c(\"A\", \"B\") or use method = \"pairwise\"",
         call. = FALSE)
  opts$level <- level
  rows <- .Call(vcr_estimate, tab$ptr, as.character(method), opts)
  failed <- vapply(rows, function(r) r$status != 0L, logical(1))
  if (errors == "stop" && any(failed)) {
    r <- rows[[which(failed)[1]]]
    stop(sprintf("%s%s: %s [status %d]",
                 if (is.na(r$stratum)) "" else paste0(r$stratum, ": "),
                 r$method, r$error, r$status), call. = FALSE)
  }
  rows_to_df(rows, draws)
}

vc_batch <- function(x, method = NULL, level = 0.95, ...,
                     draws = c("none", "auto", "posterior", "matrix")) {
  draws <- match.arg(draws)
  dots <- split_dots(list(...), "vc_batch")
  opts <- dots$opts
  if (!is.null(method) && length(method) == 0L)
    stop("vc_batch: no methods named; leave method NULL for the default ",
         "(chapman, loglinear, lcm, dga)", call. = FALSE)
  tab <- as_vc_table(x, dots$read)
  opts$level <- level
  rows <- .Call(vcr_batch, tab$ptr,
                if (is.null(method)) NULL else as.character(method), opts)
  out <- rows_to_df(rows, draws)
  out$status <- vapply(rows, function(r) r$status, integer(1))
  out
}

vc_validate <- function(x, ...) {
  tab <- as_vc_table(x, list(...))
  i <- tab$info
  strata <- lapply(i$tables, function(t) {
    p <- t$patterns
    J <- ncol(p)
    over <- matrix(0, J, J, dimnames = list(t$lists, t$lists))
    for (a in seq_len(J)) for (b in seq_len(J))
      over[a, b] <- sum(t$counts[p[, a] == 1L & p[, b] == 1L])
    problems <- character()
    for (a in seq_len(J - 1L)) for (b in (a + 1L):J) if (J > 1L && over[a, b] == 0)
      problems <- c(problems, sprintf(
        "no one is on both %s and %s (sparse pair: models with their interaction have no finite estimate)",
        t$lists[a], t$lists[b]))
    if (sum(diag(over) > 0) < 3)
      problems <- c(problems, sprintf(
        "only %d lists saw anyone: two lists cannot reveal dependence between lists, and most methods need 3 or more",
        sum(diag(over) > 0)))
    list(stratum = t$stratum, observed = t$observed, patterns = nrow(p),
         dropped = t$dropped, overlaps = over, problems = problems)
  })
  list(file = i$source,
       format = if (i$aggregated) "aggregated" else "record-level",
       lists = i$lists, observed = i$observed, dropped = i$dropped,
       strata_columns = i$strata_columns, notes = i$notes, strata = strata)
}

# ---------------------------------------------------------------- anchors

vc_lcmCR <- function(captures, tabular = FALSE, in_list_label = "1",
                     not_in_list_label = "0", K = 5, a_alpha = 0.25,
                     b_alpha = 0.25, seed = "auto", buffer_size = 10000,
                     thinning = 10, burnin = 10000, samples = 1000,
                     chains = 4, sampler = "hybrid", threads = 0) {
  x <- as.data.frame(captures, stringsAsFactors = FALSE)
  if (tabular) {
    freq <- x[[ncol(x)]]
    x <- x[-ncol(x)]
  }
  lists <- lapply(x, function(v) {
    v <- as.character(v)
    if (!all(v %in% c(in_list_label, not_in_list_label)))
      stop("vc_lcmCR: a capture cell is neither in_list_label nor ",
           "not_in_list_label", call. = FALSE)
    as.integer(v == in_list_label)
  })
  df <- as.data.frame(lists)
  names(df) <- names(x)
  if (tabular) df$count <- freq
  if (!identical(seed, "auto") && !is.numeric(seed))
    stop("vc_lcmCR: seed must be \"auto\" or a number", call. = FALSE)
  s <- if (identical(seed, "auto")) 20160906 else seed
  res <- vc_estimate(vc_table(df, count = if (tabular) "count"),
                     method = "lcm", classes = K, a_alpha = a_alpha,
                     b_alpha = b_alpha, seed = s, thin = thinning,
                     burnin = burnin, iterations = samples * thinning,
                     chains = chains, sampler = sampler, threads = threads,
                     draws = "matrix")
  d <- attr(res, "details")[[1]]$draws
  N <- d[, "N"]
  attr(N, "chain") <- d[, ".chain"]
  attr(N, "estimate") <- res
  N
}

vc_bma.cr <- function(Y, Nmissing, delta, graphs = NULL, logprior = NULL,
                      log.prior.model.weights = NULL, threads = 0) {
  if (!is.null(graphs))
    stop("vc_bma.cr: the engine averages over every decomposable graph ",
         "itself; leave graphs = NULL (see ?vc_bma.cr)", call. = FALSE)
  if (!is.null(logprior) || !is.null(log.prior.model.weights))
    stop("vc_bma.cr: only the 1/N prior on N and equal graph weights ",
         "(dga's defaults) are offered; leave logprior and ",
         "log.prior.model.weights NULL", call. = FALSE)
  J <- length(dim(Y))
  if (J < 2 || any(dim(Y) != 2))
    stop("vc_bma.cr: Y must be a 2 x 2 x ... array of counts", call. = FALSE)
  lo <- min(Nmissing)
  hi <- max(Nmissing)
  if (!isTRUE(all.equal(sort(Nmissing), lo:hi)))
    stop("vc_bma.cr: Nmissing must be every whole number from its least ",
         "to its greatest (the engine's grid)", call. = FALSE)
  idx <- as.matrix(expand.grid(rep(list(0:1), J)))
  counts <- Y[idx + 1]
  keep <- rowSums(idx) > 0 & counts > 0
  nm <- names(dimnames(Y))
  if (is.null(nm) || any(nm == "")) nm <- paste0("list", seq_len(J))
  df <- as.data.frame(idx[keep, , drop = FALSE])
  names(df) <- nm
  df$count <- counts[keep]
  res <- vc_estimate(vc_table(df, count = "count"), method = "dga",
                     delta = delta, n0_grid = c(lo, hi), threads = threads)
  d <- attr(res, "details")[[1]]
  post <- d$posterior
  names(post) <- d$posterior_N - sum(df$count)
  attr(post, "estimate") <- res
  post
}

vc_estimatepopulation <- function(zdat, method = "stepwise",
                                  quantiles = c(0.025, 0.975), nboot = 1000,
                                  pthresh = 0.02, iseed = 1234) {
  if (!identical(method, "stepwise"))
    stop("vc_estimatepopulation: only method = \"stepwise\" is offered ",
         "(see ?vc_estimatepopulation)", call. = FALSE)
  if (length(quantiles) != 2 || abs(quantiles[1] + quantiles[2] - 1) > 1e-12)
    stop("vc_estimatepopulation: quantiles must be a symmetric pair such ",
         "as c(0.025, 0.975)", call. = FALSE)
  df <- as.data.frame(zdat)
  names(df)[ncol(df)] <- "count"
  res <- vc_estimate(vc_table(df, count = "count"), method = "loglinear",
                     level = quantiles[2] - quantiles[1], bootstrap = nboot,
                     pthresh = pthresh, seed = iseed)
  est <- c(res$estimate, res$lower, res$upper)
  names(est) <- c("point est.", paste0(100 * quantiles, "%"))
  list(estimate = est, MSEfit = attr(res, "details")[[1]], result = res)
}
