#!/bin/sh
# report_scale.sh: the size of a large batch's report, and how long it
# takes to open (issue 20: a 1,000-stratum batch's index below 5 MB, each
# stratum page below 500 KB, each opening in headless Chromium within 2 s).
#
#   sh bench/report_scale.sh [NSTRATA] [METHODS]
#
# Simulates NSTRATA strata (default 1000: 50 countries x 10 years x 2
# sexes, N 1,000-4,000, 4 lists), runs `victimcount batch` on them with
# METHODS (default chapman,loglinear,lcm,dga; lcm and dga with
# --iterations 2000 --burnin 500: the figures hold at most 2,000 draws a
# chain whatever the run's length, so the report's size is that of a
# longer run) and --threads 2, then prints the report's sizes and, when
# node and chromium are there (make test-slow installs them), the opening
# times by tests/browser/report_open.mjs.  Exits 1 when the index is 5 MB
# or more, a page 500 KB or more, or a page took over 2 s to open.  The
# record is in bench/RESULTS.md.
set -eu
VC=${VC_CLI:-build/victimcount}
NSTRATA=${1:-1000}
METHODS=${2:-chapman,loglinear,lcm,dga}
# REPORT_SCALE_DIR: work there and keep it (its batch cache makes a
# re-run cheap); else in a temporary folder removed at the end
if [ -n "${REPORT_SCALE_DIR:-}" ]; then
    DIR=$REPORT_SCALE_DIR
    mkdir -p "$DIR"
else
    DIR=$(mktemp -d /tmp/vc_report_scale_XXXXXX)
    trap 'rm -rf "$DIR"' EXIT INT TERM
fi

# the strata: country c (1-50), year 2001-2010, sex f/m, in that order
ARGS=""
i=0
for c in $(seq 1 50); do
    for y in $(seq 2001 2010); do
        for s in f m; do
            [ "$i" -lt "$NSTRATA" ] || break 3
            ARGS="$ARGS --stratum Country$c,$y,$s:$((1000 + (i * 2654435761) % 3001))"
            i=$((i + 1))
        done
    done
done
# shellcheck disable=SC2086
"$VC" simulate --lists A,B,C,D --capture 0.2,0.15,0.25,0.1 \
    --strata country,year,sex $ARGS --seed 20 -o "$DIR/sim.csv"

start=$(date +%s.%N)
"$VC" batch -q "$DIR/sim.csv" --strata country,year,sex --methods "$METHODS" \
    --iterations 2000 --burnin 500 --threads 2 --out "$DIR/out" > /dev/null
end=$(date +%s.%N)

pages=$(ls "$DIR/out/report" | wc -l)
index=$(stat -c %s "$DIR/out/report.html")
sizes=$(stat -c %s "$DIR/out/report"/s*.html | sort -n)
largest=$(echo "$sizes" | tail -1)
median=$(echo "$sizes" | sed -n "$(( (pages + 1) / 2 ))p")
total=$(du -sb "$DIR/out/report" | cut -f1)
echo "strata $NSTRATA, methods $METHODS: batch $(echo "$end - $start" | bc) s"
echo "index report.html $index bytes; $pages stratum pages: median $median, largest $largest bytes; pages in all $total bytes"

status=0
if [ "$index" -ge $((5 * 1024 * 1024)) ]; then
    echo "FAIL the index is 5 MB or more"; status=1
fi
if [ "$largest" -ge $((500 * 1024)) ]; then
    echo "FAIL a stratum page is 500 KB or more"; status=1
fi

if command -v node > /dev/null && command -v "${CHROMIUM:-chromium}" > /dev/null; then
    node tests/browser/report_open.mjs "$DIR/out/report.html" 2000 || status=1
else
    echo "no node or chromium: opening times not measured (make test-slow installs them)"
fi
exit $status
