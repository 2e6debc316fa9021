#!/bin/sh
# link_coverage.sh: do estimates from linked lists cover the true N as
# often as estimates from the true overlaps?  For each seed: simulate a
# population of N people seen by three lists (with names, `simulate
# --people`), encode each list, link, and estimate from the linked table
# and from the true one (simulate's own output), and read from `link
# --report` the multiple-list estimate corrected for linkage error
# (linkage_error.multiple_lists.corrected: the independence model with Di
# Consiglio & Tuoto's correction; NA when the report refuses it); print
# one line per seed and the coverage of each.
#
# Usage: sh bench/link_coverage.sh [REPS (20)] [N (3000)] [METHOD
#        (loglinear)]; VC=path of victimcount (build/victimcount);
#        LINK_ARGS=options for link (e.g. "--threshold 0.85").
set -eu
REPS=${1:-20}
N=${2:-3000}
METHOD=${3:-loglinear}
VC=${VC:-build/victimcount}
DIR=$(mktemp -d /tmp/vc_linkcov_XXXXXX)
trap 'rm -rf "$DIR"' EXIT
head -c 32 /dev/urandom > "$DIR/key"
printf 'seed,N,observed_true,observed_linked,est_true,lo_true,hi_true,est_linked,lo_linked,hi_linked,est_corrected,lo_corrected,hi_corrected\n'
cover_t=0
cover_l=0
cover_c=0
n_c=0
s=1
while [ "$s" -le "$REPS" ]; do
    "$VC" simulate --lists A,B,C --capture 0.3,0.25,0.2 --N "$N" \
        --seed "$s" --people "$DIR/p" -o "$DIR/true.csv"
    for l in A B C; do
        "$VC" encode --secret-file "$DIR/key" --list "$l" "$DIR/p/$l.csv" \
            -o "$DIR/$l.enc"
    done
    # shellcheck disable=SC2086
    "$VC" link ${LINK_ARGS:-} "$DIR/A.enc" "$DIR/B.enc" "$DIR/C.enc" \
        --report "$DIR/r.json" -o "$DIR/linked.csv"
    t=$("$VC" estimate -f csv -m "$METHOD" "$DIR/true.csv" | sed -n 2p)
    k=$("$VC" estimate -f csv -m "$METHOD" "$DIR/linked.csv" | sed -n 2p)
    line=$(printf '%s\n%s\n' "$t" "$k" | awk -F, -v s="$s" -v n="$N" '
        NR == 1 { et = $4; lt = $6; ht = $7; ot = $10 }
        NR == 2 { el = $4; ll = $6; hl = $7; ol = $10 }
        END { printf "%d,%d,%d,%d,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f\n",
                     s, n, ot, ol, et, lt, ht, el, ll, hl }')
    # "corrected": { "N": ..., "lower": ..., "upper": ... } inside
    # "multiple_lists"; a refused correction is a string: NA
    c=$(awk '
        /"multiple_lists"/ { in_m = 1 }
        in_m && /"corrected": \{/ { w = 1 }
        w && /"N":/ { gsub(/[ ",]/, ""); split($0, a, ":"); n = a[2] }
        w && /"lower":/ { gsub(/[ ",]/, ""); split($0, a, ":"); l = a[2] }
        w && /"upper":/ { gsub(/[ ",]/, ""); split($0, a, ":"); h = a[2]; w = 0 }
        END { if (n == "") print "NA,NA,NA"; else printf "%.0f,%.0f,%.0f\n", n, l, h }' \
        "$DIR/r.json")
    line="$line,$c"
    echo "$line"
    cover_t=$(echo "$line" | awk -F, -v c="$cover_t" \
        '{ print c + ($6 <= $2 && $2 <= $7) }')
    cover_l=$(echo "$line" | awk -F, -v c="$cover_l" \
        '{ print c + ($9 <= $2 && $2 <= $10) }')
    if [ "${c%%,*}" != NA ]; then
        n_c=$((n_c + 1))
        cover_c=$(echo "$line" | awk -F, -v c="$cover_c" \
            '{ print c + ($12 <= $2 && $2 <= $13) }')
    fi
    s=$((s + 1))
done
echo "coverage of N = $N ($METHOD, $REPS populations): true overlaps" \
     "$cover_t/$REPS, linked $cover_l/$REPS; corrected (independence," \
     "Di Consiglio & Tuoto, link --report) $cover_c of the $n_c made"
