"""The reference figures of the C tests, reached through Python, and the
CLI's JSON reproduced field for field for the same options and seed."""
import json
import math
import subprocess
import threading
import time
import _thread

import numpy as np
import pytest

import victimcount as vc
from conftest import ref


def rel(a, b):
    return abs(a - b) / abs(b)


def test_kosovo_chapman():
    # tests/install/example.c: Chapman on EXH and ABA, SE of Seber (1982)
    d = vc.read(ref("Kosovo.csv"), lists=["EXH", "ABA"])
    assert d.lists == ["EXH", "ABA"] and d.dropped == 1365
    (r,) = vc.estimate(d, methods=["chapman"])
    assert rel(r["estimate"], 7231.472772) < 1e-9
    assert rel(r["se"], 273.7525018) < 1e-9
    assert r["lists"] == ["EXH", "ABA"] and r["observed"] == 3035
    assert r["headline"].startswith("Kosovo: 7,231")


def test_korea_dga():
    # dga 2.0.2 on Korea, delta 2^-3, n0 in 0..3075 (tests/test_cli.c)
    (r,) = vc.estimate(ref("Korea.csv"), methods=["dga"], delta=0.125,
                       n0_grid=(0, 3075))
    assert (r["estimate"], r["lower"], r["upper"]) == (159, 123, 432)
    assert rel(r["mean"], 198.80) < 5e-5
    assert r["graphs"][0]["cliques"] == "[b,c][c,d]"
    post = r["posterior"]
    assert post["N"][0] == 0 + d_n(ref("Korea.csv"))
    assert abs(float(np.sum(post["probability"])) - 1) < 1e-9


def d_n(path):
    return vc.read(path).observed


def test_kosovo_independence_matches_glm():
    # tests/test_cli.c: the independence model matches R's glm
    (r,) = vc.estimate(ref("Kosovo.csv"), methods=["independence"])
    assert r["estimate"] > 4400 and r["interval"].startswith("log-normal")


def cli_rows(cli, args, path):
    out = subprocess.run([cli, "estimate", "-f", "json", "--quiet"] + args
                         + [path], check=True, capture_output=True).stdout
    return json.loads(out)["results"]


def as_json(x):
    """x as `estimate -f json` prints it: reals with 12 significant digits
    (JSON_REAL_PRECISION(12) in cli/output.c), run times left out."""
    if isinstance(x, float):
        return float("%.12g" % x)
    if isinstance(x, dict):
        return {k: as_json(v) for k, v in x.items() if k != "seconds"}
    if isinstance(x, list):
        return [as_json(v) for v in x]
    return x


def strip(row):
    """The fields the JSON has."""
    return as_json({k: v for k, v in row.items()
                    if k not in ("draws", "posterior")})


def same(py_rows, cli_rows_):
    assert len(py_rows) == len(cli_rows_)
    for p, c in zip(py_rows, cli_rows_):
        assert strip(p) == strip(c)


@pytest.mark.parametrize("methods,args,opts", [
    ("chao,independence,pairwise", [], {}),
    ("loglinear", ["--bootstrap", "200", "--seed", "7"],
     {"bootstrap": 200, "seed": 7}),
    ("loglinear", ["--select", "aic"], {"select": "aic"}),
    ("loglinear", ["--model", "EXH*ABA + OSCE + HRW"],
     {"model": "EXH*ABA + OSCE + HRW"}),
    ("loglinear", ["--model", "independence", "--heterogeneity", "Chao"],
     {"model": "independence", "heterogeneity": "Chao"}),
    ("dga", [], {}),
    ("lcm", ["--iterations", "3000", "--burnin", "500", "--seed", "11"],
     {"iterations": 3000, "burnin": 500, "seed": 11}),
    ("lcm", ["--iterations", "1000", "--burnin", "200", "--sampler",
             "tempering", "--temperatures", "3"],
     {"iterations": 1000, "burnin": 200, "sampler": "tempering",
      "temperatures": 3}),
])
def test_same_as_cli(cli, methods, args, opts):
    path = ref("Kosovo.csv")
    want = cli_rows(cli, ["-m", methods] + args, path)
    got = vc.estimate(path, methods=methods.split(","), **opts)
    same(got, want)


def test_strata_and_wald_same_as_cli(cli):
    path = ref("../examples/central-asia.csv")
    args = ["-m", "chapman,chao,lcm", "--lists", "IOM,NGO",
            "--strata", "country,year", "--interval", "wald",
            "--iterations", "1000", "--burnin", "100"]
    want = cli_rows(cli, args, path)
    got = vc.estimate(path, methods=["chapman", "chao", "lcm"],
                      lists=["IOM", "NGO"], strata=["country", "year"],
                      interval="wald", iterations=1000, burnin=100)
    same(got, want)
    assert got[0]["stratum_keys"] == want[0]["stratum_keys"]


def test_dga_mcmc_same_as_cli_any_threads(cli):
    path = ref("UKdat.csv")
    args = ["-m", "dga", "--iterations", "500", "--burnin", "100", "--thin",
            "1", "--seed", "5"]
    want = cli_rows(cli, args, path)
    for threads in (1, 2):
        got = vc.estimate(path, methods=["dga"], iterations=500, burnin=100,
                          thin=1, seed=5, threads=threads)
        same(got, want)


def test_lcm_draws_same_as_cli(cli, tmp_path):
    path = ref("Korea.csv")
    draws = tmp_path / "draws.csv"
    subprocess.run([cli, "estimate", "-q", "-m", "lcm", "--iterations",
                    "1000", "--burnin", "100", "--seed", "9", "--draws",
                    str(draws), path], check=True, capture_output=True)
    lines = draws.read_text().splitlines()[1:]
    want = np.array([int(x.split(",")[3]) for x in lines], dtype=np.uint64)
    (r,) = vc.estimate(path, methods=["lcm"], iterations=1000, burnin=100,
                       seed=9)
    assert np.array_equal(r["draws"]["N"].reshape(-1), want)


def test_lcm_draws_and_threads():
    kw = dict(methods=["lcm"], iterations=2000, burnin=200, seed=3)
    (a,) = vc.estimate(ref("Kosovo.csv"), threads=1, **kw)
    (b,) = vc.estimate(ref("Kosovo.csv"), threads=2, **kw)
    assert a["draws"]["N"].shape == (4, 200)
    assert np.array_equal(a["draws"]["N"], b["draws"]["N"])
    assert a["estimate"] == b["estimate"]
    # the median of the pooled draws is the estimate
    assert np.median(a["draws"]["N"].astype(float)) == a["estimate"]


def test_data_frame_like_inputs_equal_the_file():
    path = ref("Korea.csv")
    from_file = vc.estimate(path, methods=["chao"])[0]
    rows = vc.read(path).tables()[0]
    cols = {"b": [], "c": [], "d": [], "count": []}
    for p, n in zip(rows["patterns"], rows["counts"]):
        for name, bit in zip("bcd", p):
            cols[name].append(int(bit))
        cols["count"].append(n)
    got = vc.estimate(cols, methods=["chao"], source="Korea.csv")[0]
    assert got == from_file
    arr = np.array([cols[k] for k in cols]).T
    got = vc.estimate(arr, columns=list(cols), methods=["chao"],
                      source="Korea.csv")[0]
    assert got == from_file
    # one row per person, booleans
    people = {"A": [True, True, False, True], "B": [True, False, True, True]}
    d = vc.read(people)
    assert not d.aggregated and d.observed == 4


def test_errors_name_file_line_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B,count\n1,0,5\n1,2,3\n")
    with pytest.raises(vc.VictimcountError) as e:
        vc.read(str(bad))
    assert e.value.status_name == "VC_EDATA"
    assert e.value.file == str(bad) and e.value.line == 3
    assert e.value.column == "B"
    with pytest.raises(vc.VictimcountError) as e:
        vc.read(str(tmp_path / "missing.csv"))
    assert e.value.status_name == "VC_EIO"
    with pytest.raises(vc.VictimcountError):
        vc.estimate(ref("Kosovo.csv"), methods=["chapman"])
    with pytest.raises(TypeError):
        vc.estimate(ref("Kosovo.csv"), methods=["chao"], bogus=1)
    with pytest.raises(ValueError):
        vc.estimate(ref("Kosovo.csv"), methods=["nonesuch"])


def test_retired_sampler_is_refused_naming_its_replacement():
    with pytest.raises(vc.VictimcountError) as e:
        vc.estimate(ref("Korea.csv"), methods=["lcm"], sampler="splitmerge",
                    iterations=100, burnin=10)
    assert "splitmerge sampler is retired" in str(e.value)
    assert "hybrid" in str(e.value)


def test_failed_method_raises_or_is_kept():
    kw = dict(methods=["loglinear"], model="all-two-way")
    with pytest.raises(vc.VictimcountError) as e:
        vc.estimate(ref("Korea.csv"), **kw)
    assert e.value.status != 0
    (r,) = vc.estimate(ref("Korea.csv"), errors="keep", **kw)
    assert r["estimate"] is None and r["error"] and r["headline"] is None


def test_validate():
    v = vc.validate(ref("Kosovo.csv"))
    assert v["lists"] == ["EXH", "ABA", "OSCE", "HRW"]
    assert v["observed"] == 4400
    s = v["strata"][0]
    assert s["seen_by_list"]["EXH"] == s["overlaps"][0][0]
    with pytest.raises(vc.VictimcountError):
        vc.validate(b"A,B\n1,2\n")


def test_gil_released_and_ctrl_c_stops_lcm():
    # another thread runs while the sampler does
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)

    th = threading.Thread(target=tick)
    th.start()
    vc.estimate(ref("Kosovo.csv"), methods=["lcm"], iterations=20000,
                burnin=100, threads=1)
    stop.set()
    th.join()
    assert len(ticks) > 3
    # Ctrl-C (SIGINT as KeyboardInterrupt) ends a long run within a round
    timer = threading.Timer(0.5, _thread.interrupt_main)
    t0 = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        vc.estimate(ref("Kosovo.csv"), methods=["lcm"], iterations=10**6,
                    burnin=0, threads=1)
    assert time.monotonic() - t0 < 30  # rounds of about a second


def test_gsl_errors_do_not_abort():
    # LCMCR's K = 5 on Korea: a Beta quantile of the diagnostics failed to
    # converge and GSL's default handler aborted the process until the
    # module turned it off
    (r,) = vc.estimate(ref("Korea.csv"), methods=["lcm"], classes=5,
                       iterations=10000, burnin=10000, thin=10)
    assert r["estimate"] is not None


def key_paths(x, prefix=""):
    """Every key of x and of the objects inside it, as dotted paths (the
    lists' objects under "[]"), run times left out."""
    out = set()
    if isinstance(x, dict):
        for k, v in x.items():
            if k != "seconds":
                out.add(prefix + k)
                out |= key_paths(v, prefix + k + ".")
    elif isinstance(x, list):
        for v in x:
            out |= key_paths(v, prefix + "[].")
    return out


# Every sampler the CLI offers (splitmerge is retired) and dga's MCMC over
# graphs, forced on a table of 4 lists and automatic on 6: the binding
# builds these diagnostics by hand (bindings/python/victimcount/_api.py
# _lcm_run, _dga_result), so a key the CLI gains (cli/method_lcm.c,
# cli/method_dga.c) must be added there too.
@pytest.mark.parametrize("table,methods,args,opts", [
    ("Kosovo.csv", "lcm", ["--sampler", "hybrid"], {"sampler": "hybrid"}),
    ("Kosovo.csv", "lcm", ["--sampler", "gibbs"], {"sampler": "gibbs"}),
    ("Kosovo.csv", "lcm", ["--sampler", "tempering", "--temperatures", "2"],
     {"sampler": "tempering", "temperatures": 2}),
    ("Kosovo.csv", "lcm", ["--sampler", "tempering-splitmerge",
                           "--temperatures", "2"],
     {"sampler": "tempering-splitmerge", "temperatures": 2}),
    ("Kosovo.csv", "dga", ["--dga-mcmc"], {"dga_mcmc": True}),
    ("UKdat.csv", "dga", [], {}),
])
def test_diagnostics_keys_same_as_cli(cli, table, methods, args, opts):
    run = ["--iterations", "400", "--burnin", "100", "--seed", "2"]
    want = cli_rows(cli, ["-m", methods] + run + args, ref(table))
    got = vc.estimate(ref(table), methods=[methods], iterations=400,
                      burnin=100, seed=2, **opts)
    assert len(got) == len(want) == 1
    cli_keys = key_paths(strip(want[0]))
    py_keys = key_paths(strip(got[0]))
    assert any(k.startswith("diagnostics.") for k in cli_keys)
    assert sorted(cli_keys - py_keys) == [], "keys the binding lacks"
    assert sorted(py_keys - cli_keys) == [], "keys the CLI lacks"
    same(got, want)



def cache_rows(out):
    """The rows of a CLI batch's unit files (DIR/cache/*.json, doubles
    with 17 digits, so exact), by (stratum, method)."""
    import glob
    units = {}
    for f in glob.glob(str(out / "cache" / "*.json")):
        with open(f) as fh:
            u = json.load(fh)
        if u["variant"] == "":
            units[(u["stratum"], u["method"])] = u["rows"]
    return units


def test_batch_bit_identical_to_cli(cli, tmp_path):
    # the CLI on two threads, the module on one: the same bits
    path = ref("../examples/central-asia.csv")
    out = tmp_path / "out"
    subprocess.run([cli, "batch", path, "--strata", "country,year",
                    "--methods", "chapman,loglinear,chao,lcm", "--bootstrap",
                    "200", "--iterations", "1000", "--burnin", "200",
                    "--seed", "42", "--threads", "2", "--out", str(out),
                    "-q"], check=True, capture_output=True)
    got = vc.batch(path, strata=["country", "year"],
                   methods=["chapman", "loglinear", "chao", "lcm"],
                   bootstrap=200, iterations=1000, burnin=200, seed=42,
                   threads=1)
    with open(out / "results.json") as f:
        want = json.load(f)["results"]
    assert len(got) == len(want) == 9 * (3 + 3)  # chapman: 3 pairs
    units = cache_rows(out)
    seen = {}
    for g, w in zip(got, want):
        for k in ("method", "stratum", "stratum_keys", "lists", "observed",
                  "interval", "headline", "warnings", "variant"):
            assert g[k] == w[k], k
        key = (g["stratum"], g["method"])
        i = seen.get(key, 0)
        seen[key] = i + 1
        est = units[key][i]["est"]
        for k in ("estimate", "lower", "upper"):
            assert g[k] == est[k], (key, k)  # exact, not approximate
    assert len(seen) == 9 * 4


def test_batch_default_methods_and_refused_units(cli, tmp_path):
    # a stratum where one list saw everyone gets the CLI's row saying why
    data = (b"s,A,B,C,count\nx,1,0,0,50\nx,0,1,0,40\nx,1,1,0,20\n"
            b"x,0,0,1,30\nx,1,0,1,9\nx,0,1,1,7\ny,1,0,0,9\n")
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    out = tmp_path / "out"
    subprocess.run([cli, "batch", str(path), "--strata", "s", "--methods",
                    "chapman,chao", "--out", str(out), "-q"], check=True,
                   capture_output=True)
    with open(out / "results.json") as f:
        want = json.load(f)["results"]
    got = vc.batch(str(path), strata=["s"], methods="chapman,chao")

    def g12(x):  # results.json's 12 significant digits
        return None if x is None else float("%.12g" % x)
    assert [(g["stratum"], g["method"], g12(g["estimate"]), g.get("error"))
            for g in got] == [(w["stratum"], w["method"], w["estimate"],
                               w.get("error")) for w in want]
    assert got[-1]["error"].startswith("only 1 list saw anyone here")
    with pytest.raises(vc.VictimcountError, match="unknown method"):
        vc.batch(str(path), strata=["s"], methods=["lcmcr"])
    # no methods named: the library's default list, as the CLI's
    plan = vc.batch(str(path), strata=["s"], iterations=200, burnin=50,
                    bootstrap=20)
    assert [r["method"] for r in plan if r["stratum"] == "y"] == [
        "chapman", "loglinear", "lcm", "dga"]


_CHILD = r"""
import os, sys, threading, time
sys.path.insert(0, %r)
import victimcount as vc
what = sys.argv[1]
if what == "threads":
    # the most threads the process held while an lcm run went on, over
    # those it held before (this one, the watcher, a BLAS's pool if any)
    peak = [0]
    stop = threading.Event()
    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], len(os.listdir("/proc/self/task")))
            time.sleep(0.005)
    w = threading.Thread(target=watch)
    w.start()
    time.sleep(0.05)
    base = len(os.listdir("/proc/self/task"))
    kw = {} if sys.argv[2] == "env" else {"threads": int(sys.argv[2])}
    vc.estimate(%r, methods=["lcm"], iterations=4000, burnin=100,
                chains=4, **kw)
    stop.set()
    w.join()
    print(peak[0] - base)
else:
    print("started", flush=True)
    try:
        vc.batch(%r, methods=["lcm"], iterations=10**7, burnin=0,
                 threads=1)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(3)
"""


def _child(tmp_path, *args, env=None):
    import os
    import sys
    src = tmp_path / "child.py"
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src.write_text(_CHILD % (here, ref("Kosovo.csv"), ref("Kosovo.csv")))
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.Popen([sys.executable, str(src)] + list(args),
                            stdout=subprocess.PIPE, text=True, env=e)


def test_threads_follow_omp_num_threads_or_the_argument(tmp_path):
    # the OpenMP team's threads besides the calling one
    def peak(arg, omp):
        p = _child(tmp_path, "threads", arg, env={"OMP_NUM_THREADS": omp})
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        return int(out.split()[-1])
    assert peak("env", "1") == 0
    assert peak("env", "3") == 2
    assert peak("2", "1") == 1


def test_real_sigint_stops_a_batch_cleanly(tmp_path):
    import signal
    p = _child(tmp_path, "sigint")
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.5)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    assert "interrupted" in out and p.returncode == 3
    assert time.monotonic() - t0 < 30  # within a round of about a second
