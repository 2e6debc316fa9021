#!/bin/sh
# bench/synthesis.sh: the simulated checks of issue 17's synthesis
# (bench/COVERAGE.md, "Which number to quote"): on the coverage study's
# scenarios (bench/coverage.sh; the same simulate options and seeds), run
# loglinear, lcm, dga and independence with `victimcount batch` (so the
# synthesis runs) and summarise with `coverage_summary --synthesis`: how
# often the methods agree, how often the quoted range covers the true N,
# and each method's coverage on the same populations.
#
# Environment: REPS (40), SEED (2385), THREADS (every core), BOOT (1000),
# LCM (lcm's run: "--chains 4 --iterations 5000 --burnin 1000
# --until-converged": rounds of 5,000 sweeps until converged, as the
# default run does with rounds of 100,000), OUT (build/synthesis), VC,
# SUMMARY.
set -eu

VC=${VC:-build/victimcount}
SUMMARY=${SUMMARY:-build/bench/coverage_summary}
OUT=${OUT:-build/synthesis}
REPS=${REPS:-40}
SEED=${SEED:-2385}
THREADS=${THREADS:-$(nproc)}
BOOT=${BOOT:-1000}
LCM=${LCM:---chains 4 --iterations 5000 --burnin 1000 --until-converged}
METHODS=loglinear,lcm,dga,independence

mkdir -p "$OUT"
ROWS=$OUT/rows.md
: >"$ROWS"

strata() {
    i=1
    while [ "$i" -le "$REPS" ]; do
        printf ' --stratum r%04d:%s' "$i" "$1"
        i=$((i + 1))
    done
}

# scenario NAME K N SIMULATE-OPTIONS...: as bench/coverage.sh's
scenario() {
    name=$1
    k=$2
    N=$3
    shift 3
    t0=$(date +%s)
    # shellcheck disable=SC2046
    "$VC" simulate "$@" --strata rep --seed $((SEED + k)) $(strata "$N") \
        -o "$OUT/$name.csv" --truth "$OUT/$name-truth.csv"
    # shellcheck disable=SC2086
    "$VC" batch "$OUT/$name.csv" --strata rep --methods $METHODS \
        --seed "$SEED" --bootstrap "$BOOT" $LCM --threads "$THREADS" -q \
        --out "$OUT/$name" >/dev/null
    "$SUMMARY" --synthesis "$name" "$OUT/$name-truth.csv" \
        "$OUT/$name/results.json" >>"$ROWS"
    echo "synthesis: scenario $name done in $(($(date +%s) - t0)) s" >&2
}

. "$(dirname "$0")/scenarios.sh"

{
    echo "REPS=$REPS SEED=$SEED THREADS=$THREADS BOOT=$BOOT LCM='$LCM'"
    echo
    "$SUMMARY" --synthesis-header
    cat "$ROWS"
} >"$OUT/synthesis.md"
cat "$OUT/synthesis.md"
