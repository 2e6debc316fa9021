# The reference tables of the C tests (data/reference of the source tree)
# and the CLI, named by VC_REFDATA and VC_CLI (make test-bindings sets
# them); tests that need them are skipped without.
ref <- function(name) {
  dir <- Sys.getenv("VC_REFDATA")
  if (!nzchar(dir) || !file.exists(file.path(dir, name)))
    skip("VC_REFDATA does not name data/reference")
  file.path(dir, name)
}

cli <- function() {
  p <- Sys.getenv("VC_CLI")
  if (!nzchar(p) || !file.exists(p)) skip("VC_CLI does not name the CLI")
  p
}

korea_df <- function(name = "count") {
  d <- data.frame(b = c(1, 0, 0, 1, 1, 1), c = c(0, 1, 0, 1, 0, 1),
                  d = c(0, 0, 1, 0, 1, 1), n = c(5, 5, 41, 54, 6, 12))
  names(d)[4] <- name
  d
}
