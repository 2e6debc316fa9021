#!/bin/sh
# batch_cores.sh: how busy a batch keeps the cores, from start to end.
#
#   bench/batch_cores.sh [-s STRATA] [-t "THREADS"] [-m METHODS]
#                        [-o DIR] [-- EXTRA BATCH OPTIONS]
#
#   -s  strata simulated (default 100): 4 lists A-D, capture 0.2, 0.15,
#       0.25, 0.1, N from 1,000 to 4,000, seed 5 (issue 20's batch)
#   -t  thread counts, one run each (default: 1 and nproc)
#   -m  methods (default chapman,loglinear,lcm,dga)
#   -o  where the data, outputs and raw samples go (default
#       build/batch_cores)
#
# Run from the repository root after `make all`.  Each run starts from an
# empty cache.  Every 0.2 s the script samples the batch process: its CPU
# seconds (utime + stime of /proc/PID/stat) and how many of its threads
# are running or runnable (state R in /proc/PID/task/*/stat).  A thread
# that holds a unit is R whether or not the kernel has a core for it at
# that moment, so "threads with work" measures the batch's own schedule
# (a tail where one unit runs while the others wait shows as 1 of T)
# whatever else runs on the machine; the CPU seconds measure what it got.
#
# For each run it prints one line:
#   threads, strata, wall s, user+sys s, strata/s, core use (user+sys /
#   wall x threads), work share (mean of min(R threads, T) / T over the
#   samples), the same over the units phase only (up to the newest file
#   in DIR/cache: units are written as they finish) and the share of that
#   phase's samples with every thread at work, the load average before,
#   and the peak resident memory (MB).
set -eu

strata=100
threads="1 $(nproc)"
methods=chapman,loglinear,lcm,dga
out=build/batch_cores
while getopts "s:t:m:o:h" opt; do
    case $opt in
    s) strata=$OPTARG ;;
    t) threads=$OPTARG ;;
    m) methods=$OPTARG ;;
    o) out=$OPTARG ;;
    *) sed -n '2,28p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
vc=${VC_CLI:-build/victimcount}
[ -x "$vc" ] || { echo "batch_cores.sh: $vc missing: run make all" >&2; exit 2; }
mkdir -p "$out"

data=$out/strata$strata.csv
if [ ! -f "$data" ]; then
    args=""
    i=1
    while [ "$i" -le "$strata" ]; do
        args="$args --stratum S$i:$((1000 + (i * 1237) % 3001))"
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    "$vc" simulate --lists A,B,C,D --capture 0.2,0.15,0.25,0.1 \
        --strata site $args --seed 5 -o "$data"
fi

echo "threads,strata,wall_s,cpu_s,strata_per_s,core_use,work_share,units_phase_s,units_work_share,units_all_busy,load,max_rss_mb"
for t in $threads; do
    dir=$out/run-t$t
    rm -rf "$dir"
    samples=$out/samples-t$t.txt
    : > "$samples"
    load=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s.%N)
    /usr/bin/time -f "%e %U %S %M" -o "$out/time-t$t" \
        "$vc" batch "$data" --strata site --methods "$methods" \
        --threads "$t" -q --out "$dir" "$@" > /dev/null &
    tpid=$!
    pid=""
    while [ -z "$pid" ] && kill -0 "$tpid" 2>/dev/null; do
        pid=$(pgrep -P "$tpid" || true)
    done
    while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do
        now=$(date +%s.%N)
        cpu=$(cut -d' ' -f14,15 "/proc/$pid/stat" 2>/dev/null || true)
        run=$(cat /proc/"$pid"/task/*/stat 2>/dev/null \
                  | awk '$3 == "R"' | wc -l)
        [ -n "$cpu" ] && echo "$now $cpu $run" >> "$samples"
        sleep 0.2
    done
    wait "$tpid"
    # newest unit file, with sub-second precision
    last=$(find "$dir/cache" -name '*.json' -printf '%T@\n' | sort -n | tail -1)
    read -r wall user sys rss < "$out/time-t$t"
    awk -v t="$t" -v s="$strata" -v start="$start" -v wall="$wall" \
        -v user="$user" -v sys="$sys" -v rss="$rss" -v last="$last" -v load="$load" '
        { n++; r = $4 > t ? t : $4; w += r / t
          if ($1 <= last) { nu++; wu += r / t; full += (r >= t) } }
        END { cpu = user + sys; if (n == 0) n = 1; if (nu == 0) nu = 1
          printf "%d,%d,%.1f,%.1f,%.3f,%.0f%%,%.0f%%,%.1f,%.0f%%,%.0f%%,%s,%.0f\n",
                 t, s, wall, cpu, s / wall, 100 * cpu / (wall * t),
                 100 * w / n, last - start, 100 * wu / nu, 100 * full / nu,
                 load, rss / 1024 }' "$samples"
done
