library(testthat)
library(victimcount)
test_check("victimcount")
