#!/bin/sh
# Same bytes (issue 14): every command's output, for the same version and
# seed, is identical to the output recorded in tests/golden/ before the
# house-plan refactor.  Timing fields are removed before comparing (they
# are the only fields allowed to change); everything else is compared
# byte for byte.
#
#   tests/same_bytes.sh CLI            compare (exit 1 and a diff on change)
#   tests/same_bytes.sh CLI --record   write tests/golden/ afresh
#
# Record only on purpose: a new golden file is a claim that the change of
# output is intended, and the commit that records it says why.
set -u
CLI=${1:?usage: same_bytes.sh CLI [--record]}
MODE=${2:-compare}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
GOLD=$HERE/golden
REF=$ROOT/data/reference
EX=$ROOT/data/examples
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0
n=0

# Timing fields: JSON "seconds" (lcm, dga MCMC, batch), the report's and
# the text output's run times, the batch's wall-clock stamps.
strip() {
    sed -E -e "s|$TMP|TMP|g" -e "s|$ROOT|ROOT|g" -e 's/"(seconds|elapsed|started|finished|wall_seconds)": ?[^,}]*/"\1": T/g' \
           -e 's/[0-9]+(\.[0-9]+)? s( |\)|$)/T s\2/g' \
           -e 's/(generated|written) [0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9:]+( UTC)?/\1 T/g'
}

# check NAME COMMAND...: run the command (stdout and exit status) and
# compare with tests/golden/NAME.
check() {
    name=$1
    shift
    n=$((n + 1))
    "$@" > "$TMP/out" 2> "$TMP/err"
    rc=$?
    { echo "exit $rc"; strip < "$TMP/out"; echo "-- stderr"; strip < "$TMP/err"; } \
        > "$TMP/$name"
    settle "$name"
}

# file NAME PATH: compare a file a command wrote.
file() {
    n=$((n + 1))
    if [ ! -f "$2" ]; then
        echo "missing"
    elif [ "$(wc -c < "$2")" -gt 200000 ]; then
        # a large file (the report's figures) is kept as its hash
        strip < "$2" | sha256sum | cut -d' ' -f1
    else
        strip < "$2"
    fi > "$TMP/$1"
    settle "$1"
}

# The engine's version in JSON ("version": "0.4.0") is compared as a
# placeholder: a version bump (issue 17's 0.4.0) is not a change of
# output, and the golden files keep the version they were recorded with.
unversion() {
    sed -E 's/"version": "[0-9]+\.[0-9]+\.[0-9]+"/"version": V/g' "$1"
}

settle() {
    if [ "$MODE" = --record ]; then
        cp "$TMP/$1" "$GOLD/$1"
    elif ! unversion "$TMP/$1" > "$TMP/$1.v" \
         || ! unversion "$GOLD/$1" > "$TMP/$1.g" \
         || ! cmp -s "$TMP/$1.v" "$TMP/$1.g"; then
        echo "same_bytes: $1 differs from tests/golden/$1:"
        diff "$GOLD/$1" "$TMP/$1" | head -20
        fail=$((fail + 1))
    fi
}

[ "$MODE" = --record ] && mkdir -p "$GOLD"
E="$CLI estimate -q"
L="--iterations 2000 --burnin 500 --threads 2"

# classical methods, every format
for t in Kosovo UKdat UKdat_5 Korea Artificial_3 MY1997_3 MY1997_5; do
    check "classical-$t.json" $E -f json -m chao,independence,pairwise "$REF/$t.csv"
    check "loglinear-$t.json" $E -f json -m loglinear "$REF/$t.csv"
    check "aic-$t.json" $E -f json -m loglinear --select aic "$REF/$t.csv"
    check "bic-$t.txt" $E -m loglinear --select bic "$REF/$t.csv"
    check "dga-$t.json" $E -f json -m dga "$REF/$t.csv"
done
for t in duck hare bunting rbvole mvole; do
    check "classical-$t.csv" $E -f csv -m chao,independence "$REF/$t.csv"
    check "chao-het-$t.json" $E -f json -m loglinear --model independence \
        --heterogeneity Chao "$REF/$t.csv"
done
check "model-Kosovo.json" $E -f json -m loglinear --model "EXH*ABA + OSCE + HRW" "$REF/Kosovo.csv"
check "wald-Kosovo.txt" $E -m loglinear --model "EXH*ABA + OSCE + HRW" --interval wald "$REF/Kosovo.csv"
check "boot-Kosovo.json" $E -f json -m loglinear --bootstrap 200 --seed 7 "$REF/Kosovo.csv"
check "profile-aic-Kosovo.json" $E -f json -m loglinear --select aic --interval profile "$REF/Kosovo.csv"
check "bootsel-Kosovo.json" $E -f json -m loglinear --select aic --interval bootstrap --bootstrap 100 --seed 7 "$REF/Kosovo.csv"
check "dga-mcmc-Kosovo.json" $E -f json -m dga --dga-mcmc $L "$REF/Kosovo.csv"
check "dga-negbin-Kosovo.json" $E -f json -m dga --prior-n negbin:1,0.001 "$REF/Kosovo.csv"
check "dga-mcmc-UK6.json" $E -f json -m dga $L "$REF/UKdat.csv"
check "dga-mcmc-MY5.json" $E -f json -m dga --dga-mcmc $L --seed 3 "$REF/MY1997_5.csv"

# the latent-class model, every sampler
for s in hybrid gibbs tempering splitmerge tempering-splitmerge; do
    check "lcm-$s-Kosovo.json" $E -f json -m lcm --sampler $s $L "$REF/Kosovo.csv"
    check "lcm-$s-UK5.txt" $E -m lcm --sampler $s $L --seed 5 "$REF/UKdat_5.csv"
done
check "lcm-draws-Kosovo.json" $E -f json -m lcm $L --chains 2 --draws "$TMP/draws.csv" "$REF/Kosovo.csv"
file "lcm-draws-Kosovo.csv" "$TMP/draws.csv"
check "lcm-until-Kosovo.json" $E -f json -m lcm --until-converged --iterations 1000 --burnin 500 --threads 2 "$REF/Kosovo.csv"

# two lists, strata, every two-list method and format
CA="$EX/central-asia.csv"
check "ca.txt" $E -m chapman,petersen,chao,lcm --lists IOM,NGO --strata country,year $L "$CA"
check "ca.json" $E -f json -m chapman,petersen,chao,lcm --lists IOM,NGO --strata country,year $L "$CA"
check "ca.csv" $E -f csv -m chapman,petersen,chao,independence --lists IOM,NGO --strata country,year --interval wald --level 0.9 "$CA"
check "ca-omit.json" $E -f json --omit Police --strata country,year "$CA"
check "ca-merge.txt" $E -m independence,chao --merge NGO+Police --strata country,year "$CA"
check "kosovo-default.txt" $E "$EX/kosovo.csv"
check "ca-bad-method.txt" $E -m nonsense "$CA"

# validate
check "validate-ca.txt" "$CLI" validate --strata country,year "$CA"
check "validate-ca-bad.txt" "$CLI" validate "$CA"
check "validate-kosovo.json" "$CLI" validate -f json "$EX/kosovo.csv"
check "validate-ca.json" "$CLI" validate -f json --strata country,year "$CA"
# validate refuses what it does not use (estimate's options, -f csv)
check "validate-refused-method.txt" "$CLI" validate -m lcm --iterations 10 "$EX/kosovo.csv"
check "validate-refused-csv.txt" "$CLI" validate -f csv "$EX/kosovo.csv"

# simulate
check "sim-counts.csv" "$CLI" simulate --lists A,B,C --capture 0.3,0.4,0.2 --N 5000 --seed 9
check "sim-strata.csv" "$CLI" simulate --lists A,B,C --capture 0.3,0.4,0.2 --strata country \
    --stratum KG:3000 --stratum KZ:2000 --classes 0.7:-1,0.3:1 --seed 9 --truth "$TMP/truth.csv"
file "sim-truth.csv" "$TMP/truth.csv"
check "sim-records.csv" "$CLI" simulate --lists A,B --capture 0.3,0.5 --N 200 --records --seed 4
check "sim-people.txt" "$CLI" simulate --lists A,B,C --capture 0.3,0.4,0.2 --N 300 --seed 4 \
    --people "$TMP/people" -o "$TMP/people.csv"
for f in A B C; do file "sim-people-$f.csv" "$TMP/people/$f.csv"; done

# encode and link (a fixed key: the encodings are deterministic)
printf '0123456789abcdef0123456789abcdef\n' > "$TMP/key"
for f in A B C; do
    check "enc-$f.txt" "$CLI" encode --secret-file "$TMP/key" -o "$TMP/$f.enc" "$TMP/people/$f.csv"
    file "enc-$f.enc" "$TMP/$f.enc"
done
check "link.csv" "$CLI" link --threads 2 --report "$TMP/link.json" "$TMP/A.enc" "$TMP/B.enc" "$TMP/C.enc"
file "link-report.json" "$TMP/link.json"
check "link-thresholds.csv" "$CLI" link --threads 2 --thresholds 0.8:0.95:0.05 "$TMP/A.enc" "$TMP/B.enc" "$TMP/C.enc"

# the example batch
check "batch.txt" "$CLI" batch -q "$CA" --strata country,year \
    --methods chapman,loglinear,lcm,dga --iterations 2000 --burnin 500 --threads 2 --out "$TMP/run"
for f in results.csv results.json report.html; do file "batch-$f" "$TMP/run/$f"; done

if [ "$MODE" = --record ]; then
    echo "same_bytes: recorded $n outputs in tests/golden/"
    exit 0
fi
if [ $fail -ne 0 ]; then
    echo "same_bytes: $fail of $n outputs differ"
    exit 1
fi
echo "same_bytes: $n outputs identical"
