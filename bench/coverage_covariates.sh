#!/bin/sh
# Coverage of the by-level intervals of `estimate --covariates` on
# simulated populations (issue 18; bench/COVERAGE.md).  Each replicate
# draws a population of N = 3000 with `simulate --covariate` (sex and age
# shift every list's capture odds; lists independent given the
# covariates, so the model below holds), estimates with the parametric
# bootstrap, and counts the intervals that cover the true N of the total
# and of each level; then the same with 20% of the ages missing at
# random (EM).  Usage: sh bench/coverage_covariates.sh [REPLICATES [B]]
set -eu
R=${1:-100}
B=${2:-200}
VC=${VC:-build/victimcount}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
MODEL='(A+B+C)*(sex+age) + sex:age'
for missing in 0 0.2; do
  i=1
  : > "$T/rows"
  while [ "$i" -le "$R" ]; do
    "$VC" simulate --lists A,B,C --capture 0.2,0.15,0.1 --N 3000 \
      --covariate sex=female:0.4:0.5,male:0.6 \
      --covariate age=adult:0.7,minor:0.3:-0.4 --missing age:"$missing" \
      --seed "$i" -o "$T/d.csv" --truth "$T/t.csv"
    "$VC" estimate --covariates sex,age --model "$MODEL" --bootstrap "$B" \
      --seed "$i" -f json -o "$T/e.json" "$T/d.csv"
    python3 - "$T/t.csv" "$T/e.json" >> "$T/rows" <<'PY'
import csv, json, sys
truth = {(r["covariate"], r["level"]): int(r["N"])
         for r in csv.DictReader(open(sys.argv[1]))}
res = json.load(open(sys.argv[2]))["results"][0]
out = [("total", res["lower"] <= truth[("", "")] <= res["upper"])]
for b in res["by"]:
    out.append((b["covariate"] + "=" + b["level"],
                b["lower"] <= truth[(b["covariate"], b["level"])] <= b["upper"]))
print(" ".join("%s:%d" % (k, v) for k, v in out))
PY
    i=$((i + 1))
  done
  echo "missing age $missing, $R replicates, $B bootstrap each:"
  python3 - "$T/rows" <<'PY'
import sys, collections
hit = collections.Counter(); n = collections.Counter()
for line in open(sys.argv[1]):
    for f in line.split():
        k, v = f.rsplit(":", 1); n[k] += 1; hit[k] += int(v)
for k in n:
    print("  %-12s %3d/%d = %.2f" % (k, hit[k], n[k], hit[k] / n[k]))
PY
done
