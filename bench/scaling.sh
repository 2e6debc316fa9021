#!/bin/sh
# scaling.sh: strong and weak scaling of victimcount on this machine.
#
#   bench/scaling.sh [-t "THREADS"] [-r "WORKERS"] [-n REPEATS] [-o DIR]
#                    [-s "SWEEPS"]
#
#   -t  thread counts of the strong-scaling sweeps (default: 1 2 4 ...
#       up to nproc, and nproc)
#   -r  MPI worker counts of the weak-scaling sweep (default: as -t)
#   -n  runs per point; the tables give the median (default 3)
#   -o  where the raw times, the table and the plot go
#       (default build/scaling)
#   -s  which sweeps, of chains, onechain and weak (default all three)
#
# Run from the repository root after `make all` (and `make deps-bench`
# for the plot, which needs gnuplot).  Every input is simulated here by
# `victimcount simulate` with fixed seeds, so the script needs nothing
# else and runs unchanged on a larger server, e.g.
#   bench/scaling.sh -t "1 2 4 8 16 32" -r "1 2 4 8 16" -n 5
#
# 1. strong, many chains: `estimate -m lcm` with CHAINS chains (16, or
#    the largest thread count if larger) on a 5-list table, threads P.
#    Chains run in parallel (models/chains.c), so this should scale to
#    min(P, CHAINS).
# 2. strong, one chain: `estimate -m lcm --chains 1` on a 14-list table
#    of 4,432 distinct capture patterns, threads P.  Tables of at least
#    2,048 patterns split step (a) of a sweep into blocks of 256 patterns
#    with their own Philox substreams (models/lcm.c), run on the
#    `--threads` threads; the rest of the sweep (lambda, the sticks, n0,
#    alpha) stays serial, so this scales only part of the way.
# 3. weak, batch: `victimcount-mpi batch` under mpirun with W workers
#    (W + 1 ranks: rank 0 only schedules and writes, and sleeps between
#    polls) and STRATA_PER_WORKER strata per worker, each stratum one lcm
#    unit with one thread per worker.  Ideal: the time stays flat.
#
# Times are wall-clock seconds of the whole command (read, sample,
# summarise), and the CPU seconds (user + system) it used.  Each run
# records the 1-minute load average before it, as other work on the
# machine slows a run down and the median cannot hide that entirely; CPU
# seconds that stay flat while wall time does not scale point at other
# load, not at overhead of ours.
set -eu

nproc=$(nproc)
threads=""
t=1
while [ "$t" -lt "$nproc" ]; do
    threads="$threads $t"
    t=$((t * 2))
done
threads="$threads $nproc"
workers=""
repeats=3
out=build/scaling
sweeps="chains onechain weak"
while getopts "t:r:n:o:s:h" opt; do
    case $opt in
    t) threads=$OPTARG ;;
    r) workers=$OPTARG ;;
    n) repeats=$OPTARG ;;
    o) out=$OPTARG ;;
    s) sweeps=$OPTARG ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
    esac
done
[ -n "$workers" ] || workers=$threads

vc=${VC_CLI:-build/victimcount}
vcmpi=${VC_MPI_CLI:-build/victimcount-mpi}
for b in "$vc" "$vcmpi"; do
    [ -x "$b" ] || { echo "scaling.sh: $b missing: run make all" >&2; exit 2; }
done
mkdir -p "$out"
raw=$out/times.csv
echo "sweep,x,repeat,seconds,load,cpu" > "$raw"

maxt=1
for t in $threads; do [ "$t" -gt "$maxt" ] && maxt=$t; done
maxw=1
for w in $workers; do [ "$w" -gt "$maxw" ] && maxw=$w; done
chains=16
[ "$maxt" -gt "$chains" ] && chains=$maxt
strata_per_worker=${STRATA_PER_WORKER:-4}

now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
# CPU seconds (user + system) of this shell's finished children so far:
# the second line of the POSIX `times`, "XmY.YYs XmY.YYs".  `times` must
# run in this shell, not in a $(...) subshell, which has no children yet.
cpu() {
    times > "$out/times.txt"
    awk 'NR == 2 {
        n = split($0, f, /[ms ]+/); t = 0
        for (i = 1; i + 1 <= n; i += 2) t += 60 * f[i] + f[i + 1]
        printf "%.3f", t }' "$out/times.txt" > "$out/cpu.txt"
}

# one_run SWEEP X REPEAT CMD...: run CMD once, append its times to $raw
one_run() {
    sweep=$1 x=$2 i=$3
    shift 3
    l=$(load)
    cpu
    c0=$(cat "$out/cpu.txt")
    t0=$(now)
    "$@" > "$out/last.out" 2> "$out/last.err" || {
        echo "scaling.sh: failed: $*" >&2
        cat "$out/last.err" >&2
        exit 1
    }
    t1=$(now)
    cpu
    c1=$(cat "$out/cpu.txt")
    s=$(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}')
    c=$(echo "$c0 $c1" | awk '{printf "%.2f", $2 - $1}')
    echo "$sweep,$x,$i,$s,$l,$c" >> "$raw"
    echo "  $sweep x=$x run $i: $s s, cpu $c s (load $l)" >&2
}

# The inputs, simulated with fixed seeds.
lists14=L1,L2,L3,L4,L5,L6,L7,L8,L9,L10,L11,L12,L13,L14
cap14=0.08,0.1,0.12,0.14,0.06,0.08,0.1,0.12,0.14,0.06,0.08,0.1,0.12,0.14
"$vc" simulate --lists A,B,C,D,E --capture 0.2,0.15,0.1,0.12,0.18 \
    --N 5000 --classes 0.7:-0.4,0.3:0.9 --seed 11 -o "$out/five.csv"
"$vc" simulate --lists "$lists14" --capture "$cap14" --N 100000 \
    --classes 0.7:-0.4,0.3:0.9 --seed 5 -o "$out/big14.csv"
for w in $workers; do
    n=$((w * strata_per_worker))
    set --
    k=1
    while [ "$k" -le "$n" ]; do
        set -- "$@" --stratum "s$k:5000"
        k=$((k + 1))
    done
    "$vc" simulate --lists A,B,C,D,E --capture 0.2,0.15,0.1,0.12,0.18 \
        --classes 0.7:-0.4,0.3:0.9 --strata stratum "$@" --seed 13 \
        -o "$out/weak$w.csv"
done
asroot=""
[ "$(id -u)" -eq 0 ] && asroot=--allow-run-as-root

# The points of a sweep take turns within each repeat, so that a change
# in the machine's other load falls on all of them alike.
want() { case " $sweeps " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

want chains && echo "strong scaling, $chains chains of lcm: threads $threads" >&2
i=1
while want chains && [ "$i" -le "$repeats" ]; do
    for t in $threads; do
        one_run chains "$t" "$i" "$vc" estimate -m lcm --chains "$chains" \
            --threads "$t" --iterations 20000 --burnin 2000 "$out/five.csv"
    done
    i=$((i + 1))
done

want onechain && echo "strong scaling, one chain on 14 lists: threads $threads" >&2
i=1
while want onechain && [ "$i" -le "$repeats" ]; do
    for t in $threads; do
        one_run onechain "$t" "$i" "$vc" estimate -m lcm --chains 1 \
            --threads "$t" --iterations 3000 --burnin 500 "$out/big14.csv"
    done
    i=$((i + 1))
done

want weak && echo "weak scaling, batch with $strata_per_worker strata" \
    "per worker: workers $workers" >&2
i=1
while want weak && [ "$i" -le "$repeats" ]; do
    for w in $workers; do
        rm -rf "$out/weak$w"
        one_run weak "$w" "$i" env OMP_NUM_THREADS=1 mpirun $asroot \
            --oversubscribe --bind-to none --mca plm isolated \
            --mca btl self,vader -np $((w + 1)) "$vcmpi" batch \
            "$out/weak$w.csv" --strata stratum --methods lcm --chains 4 \
            --iterations 10000 --burnin 1000 -q --out "$out/weak$w"
    done
    i=$((i + 1))
done

# medians, speed-up and efficiency against ideal
model=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
{
    echo "Machine: \`nproc\` = $nproc, $model; $(date -u +%Y-%m-%d)."
    echo "Median of $repeats runs; load = 1-minute load average before"
    echo "each run (min-max over the runs of the point)."
    echo
    awk -F, -v chains="$chains" -v spw="$strata_per_worker" '
    NR == 1 { next }
    {
        k = $1 SUBSEP $2
        n[k]++; v[k, n[k]] = $4; u[k, n[k]] = $6
        if (!(k in lo) || $5 < lo[k]) lo[k] = $5
        if (!(k in hi) || $5 > hi[k]) hi[k] = $5
        if (!(($1, $2) in seen)) { seen[$1, $2] = 1; xs[$1] = xs[$1] " " $2 }
    }
    function median(k, cpu,    m, i, j, t, a) {
        m = n[k]
        for (i = 1; i <= m; i++) a[i] = cpu ? u[k, i] : v[k, i]
        for (i = 1; i <= m; i++)
            for (j = i + 1; j <= m; j++)
                if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    function table(sweep, title, xname, weak,    c, x, i, t, t1, s, e) {
        if (!(sweep in xs)) return
        print "### " title; print ""
        print "| " xname " | median s | runs s | speed-up | efficiency | CPU s (median) | load |"
        print "|---|---|---|---|---|---|---|"
        c = split(substr(xs[sweep], 2), x, " ")
        t1 = median(sweep SUBSEP x[1], 0)
        for (i = 1; i <= c; i++) {
            k = sweep SUBSEP x[i]; t = median(k, 0)
            runs = ""
            for (j = 1; j <= n[k]; j++) runs = runs (j > 1 ? ", " : "") v[k, j]
            if (weak) { s = t1 / t * x[i] / x[1]; e = t1 / t }
            else { s = t1 / t; e = s * x[1] / x[i] }
            printf "| %s | %.2f | %s | %.2fx | %.0f%% | %.1f | %s-%s |\n", \
                x[i], t, runs, s, 100 * e, median(k, 1), lo[k], hi[k]
            printf "%s %s %.4f %.4f\n", sweep, x[i], s, e > "/dev/stderr"
        }
        print ""
    }
    END {
        table("chains", "Strong scaling: " chains " lcm chains (5 lists, 20,000 sweeps each)", "threads", 0)
        table("onechain", "Strong scaling: one lcm chain, 14 lists, 4,432 patterns in blocks of 256", "threads", 0)
        table("weak", "Weak scaling: MPI batch, " spw " strata (lcm units) per worker, 1 thread each", "workers", 1)
    }' "$raw" 2> "$out/points.txt"
} > "$out/scaling.md"
cat "$out/scaling.md"

if command -v gnuplot > /dev/null 2>&1; then
    for s in chains onechain weak; do
        grep "^$s " "$out/points.txt" > "$out/$s.dat" || true
    done
    gnuplot <<EOF || echo "scaling.sh: gnuplot failed (a sweep left out?)" >&2
set terminal pngcairo size 1100,450 font "DejaVu Sans,10"
set output "$out/scaling.png"
set multiplot layout 1,2 title "victimcount scaling, $nproc cores: $model"
set key top left
set grid
set xlabel "threads"
set ylabel "speed-up (median)"
set xrange [0:$maxt + 1]
set yrange [0:$maxt + 1]
plot x title "ideal" with lines dashtype 2 lc rgb "gray", \
     "$out/chains.dat" using 2:3 title "$chains lcm chains" with linespoints lw 2 pt 7, \
     "$out/onechain.dat" using 2:3 title "one chain, 14 lists" with linespoints lw 2 pt 5
set xlabel "MPI workers (strata per worker constant)"
set ylabel "weak-scaling efficiency T(1)/T(W)"
set yrange [0:1.2]
set xrange [0:$maxw + 1]
plot 1 title "ideal" with lines dashtype 2 lc rgb "gray", \
     "$out/weak.dat" using 2:4 title "batch, lcm units" with linespoints lw 2 pt 7
unset multiplot
EOF
    echo "plot: $out/scaling.png" >&2
else
    echo "scaling.sh: gnuplot not found (make deps-bench): no plot" >&2
fi
