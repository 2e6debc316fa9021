#!/bin/sh
# link_dct_coverage.sh: does the multiple-list linkage-error correction
# (Di Consiglio & Tuoto 2018, link/multilist.c) bring the estimate's 95%
# interval back over the true N?  For each seed: simulate N people seen by
# three independent lists with recording errors (`simulate --people`),
# encode, link at the threshold T with --report, and read from the
# report's linkage_error.multiple_lists the independence estimate of the
# linked table, uncorrected and corrected; beside them the independence
# estimate of the true table (simulate's own).  One line per seed, then
# how often each interval covers N and the mean absolute error.
#
# Usage: sh bench/link_dct_coverage.sh [REPS (20)] [N (3000)] [T (0.875)]
#        VC=path of victimcount (build/victimcount).  Needs no jq.
set -eu
REPS=${1:-20}
N=${2:-3000}
T=${3:-0.875}
VC=${VC:-build/victimcount}
DIR=$(mktemp -d /tmp/vc_dctcov_XXXXXX)
trap 'rm -rf "$DIR"' EXIT
head -c 32 /dev/urandom > "$DIR/key"
printf 'seed,N,T,est_true,lo_true,hi_true,est_unc,lo_unc,hi_unc,est_cor,lo_cor,hi_cor\n'
s=1
while [ "$s" -le "$REPS" ]; do
    "$VC" simulate --lists A,B,C --capture 0.3,0.25,0.2 --N "$N" \
        --seed "$s" --people "$DIR/p" -o "$DIR/true.csv"
    for l in A B C; do
        "$VC" encode --secret-file "$DIR/key" --list "$l" "$DIR/p/$l.csv" \
            -o "$DIR/$l.enc"
    done
    "$VC" link --threads 1 --threshold "$T" --report "$DIR/r.json" \
        "$DIR/A.enc" "$DIR/B.enc" "$DIR/C.enc" -o "$DIR/linked.csv"
    t=$("$VC" estimate -f csv -m independence "$DIR/true.csv" | sed -n 2p |
        awk -F, '{ printf "%.0f,%.0f,%.0f", $4, $6, $7 }')
    # "uncorrected": { "N": ..., "lower": ..., "upper": ... } and the same
    # for "corrected"; a correction refused leaves NA
    m=$(awk '
        /"multiple_lists"/ { in_m = 1 }
        in_m && /"uncorrected": \{/ { w = "u" }
        in_m && /"corrected": \{/ { w = "c" }
        in_m && w != "" && /"N":/ { gsub(/[ ",]/, ""); split($0, a, ":"); v[w "N"] = a[2] }
        in_m && w != "" && /"lower":/ { gsub(/[ ",]/, ""); split($0, a, ":"); v[w "L"] = a[2] }
        in_m && w != "" && /"upper":/ { gsub(/[ ",]/, ""); split($0, a, ":"); v[w "H"] = a[2]; w = "" }
        END {
            f = "%s,%s,%s"
            for (k = 0; k < 2; k++) {
                p = k ? "c" : "u"
                if (v[p "N"] == "") { printf "%sNA,NA,NA", k ? "," : "" }
                else { printf "%s%.0f,%.0f,%.0f", k ? "," : "", v[p "N"], v[p "L"], v[p "H"] }
            }
        }' "$DIR/r.json")
    echo "$s,$N,$T,$t,$m"
    s=$((s + 1))
done | tee "$DIR/rows.csv"
awk -F, 'NR > 0 {
        n++
        ct += ($5 <= $2 && $2 <= $6); et += ($4 > $2 ? $4 - $2 : $2 - $4)
        if ($7 != "NA") { nu++; cu += ($8 <= $2 && $2 <= $9); eu += ($7 > $2 ? $7 - $2 : $2 - $7) }
        if ($10 != "NA") { nc++; cc += ($11 <= $2 && $2 <= $12); ec += ($10 > $2 ? $10 - $2 : $2 - $10)
            if ($7 != "NA") { near += (($10 > $2 ? $10 - $2 : $2 - $10) < ($7 > $2 ? $7 - $2 : $2 - $7)) } }
    }
    END {
        printf "coverage of N (independence, %d populations, threshold %s): true table %d/%d (mean |err| %.0f); linked, uncorrected %d/%d (%.0f); corrected %d/%d (%.0f); corrected nearer in %d of %d\n",
            n, $3, ct, n, et / n, cu, nu, nu ? eu / nu : 0, cc, nc, nc ? ec / nc : 0, near, nc
    }' "$DIR/rows.csv"
