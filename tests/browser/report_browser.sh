#!/bin/sh
# report_browser.sh: a large batch's report in pages opened in headless
# Chromium (make test-slow; issue 20).  1,000 strata with the fast
# methods (about a minute on two cores) for the index, then 40 strata
# with every method for the largest stratum pages (posterior and trace
# figures); each page must load within 2 s, the index stay below 5 MB and
# each page below 500 KB (bench/report_scale.sh checks and times them).
set -eu
VC_CLI=${VC_CLI:-build/victimcount}
export VC_CLI
sh bench/report_scale.sh 1000 chapman,loglinear
sh bench/report_scale.sh 40 chapman,loglinear,lcm,dga
