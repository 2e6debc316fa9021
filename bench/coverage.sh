#!/bin/sh
# bench/coverage.sh: the coverage study behind bench/COVERAGE.md (run by
# `make coverage`, which builds what it needs first).
#
# For each scenario: `victimcount simulate` draws REPS closed populations of
# known size, one stratum each (rep = r0001, r0002, ...), into one file with
# its truth file; `victimcount batch` runs every method on every stratum, in
# parallel and with its durable cache (a killed study run again resumes
# where it stopped, and the thread count never changes a result); and
# build/bench/coverage_summary compares the estimates with the truth: the
# relative bias, relative RMSE and coverage of the 95% intervals of each
# method.  Everything follows from SEED: the populations from SEED + k for
# scenario k, the bootstrap and MCMC streams from SEED and the stratum.
#
# Tunable from the environment (make coverage passes them through):
#   REPS     populations per scenario (200)
#   SEED     master seed (2385)
#   THREADS  batch threads (every core)
#   BOOT     bootstrap replicates of the loglinear interval (1000, the
#            method's default)
#   LCM      lcm's run options ("--chains 4 --iterations 5000 --burnin
#            1000": 2,000 draws, a twentieth of the default run)
#   OUT      where the data, results and tables go (build/coverage)
#   VC, SUMMARY  the two programs
#
# The tables, the machine and the run times go to $OUT/coverage.md.
set -eu

VC=${VC:-build/victimcount}
SUMMARY=${SUMMARY:-build/bench/coverage_summary}
OUT=${OUT:-build/coverage}
REPS=${REPS:-200}
SEED=${SEED:-2385}
THREADS=${THREADS:-$(nproc)}
BOOT=${BOOT:-1000}
LCM=${LCM:---chains 4 --iterations 5000 --burnin 1000}
METHODS=chapman,independence,chao,loglinear,lcm,dga

mkdir -p "$OUT"
TABLE=$OUT/coverage.md
ROWS=$OUT/rows.md
: >"$ROWS"
: >"$OUT/commands.txt"

now() { date +%s; }

# --stratum r0001:N ... r$REPS:N
strata() {
    i=1
    while [ "$i" -le "$REPS" ]; do
        printf ' --stratum r%04d:%s' "$i" "$1"
        i=$((i + 1))
    done
}

# The arguments, single-quoted where a shell would read them otherwise.
quote() {
    for a in "$@"; do
        case $a in
        *[!A-Za-z0-9_.,:+=/-]*) printf " '%s'" "$a" ;;
        *) printf ' %s' "$a" ;;
        esac
    done
}

# scenario NAME K N SIMULATE-OPTIONS...: draw, batch, summarise.
scenario() {
    name=$1
    k=$2
    N=$3
    shift 3
    t0=$(now)
    echo "$VC simulate$(quote "$@") --strata rep --seed $((SEED + k))" \
         "--stratum r0001:$N ... --stratum r$(printf %04d "$REPS"):$N" \
         "-o $OUT/$name.csv --truth $OUT/$name-truth.csv" \
         >>"$OUT/commands.txt"
    # shellcheck disable=SC2046
    "$VC" simulate "$@" --strata rep --seed $((SEED + k)) $(strata "$N") \
        -o "$OUT/$name.csv" --truth "$OUT/$name-truth.csv"
    bat="$VC batch $OUT/$name.csv --strata rep --methods $METHODS"
    bat="$bat --seed $SEED --bootstrap $BOOT $LCM --threads $THREADS -q"
    bat="$bat --out $OUT/$name"
    echo "$bat" >>"$OUT/commands.txt"
    # shellcheck disable=SC2086
    $bat >/dev/null
    "$SUMMARY" "$name" "$OUT/$name-truth.csv" "$OUT/$name/results.json" \
        >>"$ROWS"
    echo "$name: $(($(now) - t0)) s" >>"$OUT/times.txt"
    echo "coverage: scenario $name done in $(($(now) - t0)) s" >&2
}

start=$(now)
: >"$OUT/times.txt"

. "$(dirname "$0")/scenarios.sh"

total=$(($(now) - start))
{
    echo "# Coverage study: measured tables"
    echo
    echo "Written by bench/coverage.sh (make coverage) on $(date -u +%F)."
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo \
        | sed 's/.*: //'), $(uname -sr)."
    echo "REPS=$REPS SEED=$SEED THREADS=$THREADS BOOT=$BOOT LCM='$LCM'."
    echo "Total run time: $total s ($(tr '\n' ';' <"$OUT/times.txt"))."
    echo
    "$SUMMARY" --header "$REPS"
    cat "$ROWS"
    echo
    echo "Commands:"
    echo
    sed 's/^/    /' "$OUT/commands.txt"
} >"$TABLE"
cat "$TABLE"
