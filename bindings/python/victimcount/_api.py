"""The module's functions: read, validate, estimate, batch.

estimate() repeats, call for call, what `victimcount estimate` does for each
method (cli/methods.c), with the CLI's defaults, and builds the rows of its
JSON output (cli/output.c) as dicts.  The library functions do the work;
this file only chooses which to call and names their results.
"""
import csv
import io
import math
import os
import re
import time
from ctypes import (byref, c_char_p, c_double, c_size_t, c_uint,
                    create_string_buffer, POINTER, sizeof)

from . import _lib as L

try:
    import numpy as _np
except ImportError:  # draws then come back as lists
    _np = None

# Status codes of core/vc_core.h (append-only there, so stable here).
STATUS_NAMES = {0: "VC_OK", 1: "VC_EINVAL", 2: "VC_ENOMEM", 3: "VC_EIO",
                4: "VC_EDATA", 5: "VC_EUNDEFINED", 6: "VC_ENOMLE",
                7: "VC_ENUMERIC", 8: "VC_ECONTINUE", 9: "VC_ENOTIDENT",
                10: "VC_ENOTCONV"}
VC_EINVAL = 1

_CLASSICAL = ("chapman", "petersen", "pairwise", "chao", "independence")
_METHODS = _CLASSICAL + ("loglinear", "lcm", "dga")
_TWO_LIST = ("chapman", "petersen")

# splitmerge is retired: the library refuses it, naming the hybrid
_SAMPLERS = {"gibbs": 0, "tempering": 1, "splitmerge": 2,
             "tempering-splitmerge": 3, "hybrid": 4}
_LCM_DEFAULT_SEED = 20160906   # VC_LCM_DEFAULT_SEED: the CLI's --seed
_DGA_MAX_EXACT_LISTS = 5
_FLAG_UPPER_OPEN = L.FLAGS["VC_FLAG_UPPER_OPEN"]
_FLAG_TAILS = L.FLAGS["VC_FLAG_TAILS"]
_FLAG_REPLICA = L.FLAGS["VC_FLAG_REPLICA"]
_COEF_FREE, _COEF_NEGINF, _COEF_ALIASED, _COEF_ZERO, _COEF_TIED = range(5)
_HET_NAMES = ("none", "Chao", "Poisson", "Darroch", "Gamma")


def version():
    """The library's version string."""
    return L.vc_version().decode()


def methods():
    """The names of the methods estimate() knows."""
    return list(_METHODS)


class VictimcountError(Exception):
    """An error from the library: status (a vc_status code), status_name
    ("VC_EDATA"...), message (one line; for bad input it names the file,
    line and column, which are also in file, line and column when the
    message has them), advice (the reader's advice, or None)."""

    def __init__(self, status, message, advice=None):
        super().__init__(message)
        self.status = status
        self.status_name = STATUS_NAMES.get(status, str(status))
        self.message = message
        self.advice = advice
        # "file:line: column 3: ..." or "file:line: column \"B\": ..."
        m = re.match(r'^(.+?):(\d+):(?: column (\d+|"[^"]*"):)?', message)
        self.file = m.group(1) if m else None
        self.line = int(m.group(2)) if m else None
        col = m.group(3) if m else None
        self.column = (None if col is None else
                       int(col) if col.isdigit() else col.strip('"'))

    def __str__(self):
        return "%s (%s)" % (self.message, self.status_name)


def _raise(err, advice=None):
    raise VictimcountError(err.code or VC_EINVAL, err.msg.decode("utf-8",
                                                                 "replace"),
                           advice)


def _s(p):
    return None if p is None else p.decode("utf-8", "replace")


def _strings(seq):
    """A C array of strings (and the bytes it points to, to keep alive)."""
    if seq is None:
        return None, 0
    if isinstance(seq, str):
        seq = [seq]
    enc = [str(x).encode() for x in seq]
    return (c_char_p * max(len(enc), 1))(*enc), len(enc)


def _finite(x):
    return x if math.isfinite(x) else None


# ---------------------------------------------------------------- reading

class Dataset:
    """What read() gives: the lists, and one table per stratum.  Owns the
    library's vc_dataset; freed with the object."""

    def __init__(self, ptr):
        self._ptr = ptr
        d = ptr.contents
        self.source = _s(d.source)
        self.aggregated = bool(d.aggregated)
        self.lists = [_s(d.names[j]) for j in range(d.J)]
        self.strata_columns = [_s(d.strata_cols[k])
                               for k in range(d.nstrata_cols)]
        self.observed = d.n
        self.dropped = d.dropped
        self.notes = [_s(d.notes[i]) for i in range(d.nnotes)]

    def __del__(self):
        if getattr(self, "_ptr", None):
            L.vc_dataset_free(self._ptr)
            self._ptr = None

    def __len__(self):
        return self._ptr.contents.ntables

    def _table(self, s):
        return self._ptr.contents.tables[s]

    def tables(self):
        """One dict per stratum: stratum (label or None), keys, lists,
        patterns (strings of 0/1, list 1 first), counts, observed,
        dropped."""
        out = []
        for s in range(len(self)):
            t = self._table(s).contents
            out.append({
                "stratum": _s(t.label),
                "keys": [_s(t.keys[k]) for k in range(t.nkeys)],
                "lists": [_s(t.names[j]) for j in range(t.J)],
                "patterns": ["".join("1" if t.pattern[i] >> j & 1 else "0"
                                     for j in range(t.J))
                             for i in range(t.npat)],
                "counts": [t.count[i] for i in range(t.npat)],
                "observed": t.n, "dropped": t.dropped})
        return out

    def __repr__(self):
        return "<victimcount.Dataset %s: %d lists, %d people, %d strata>" % (
            self.source, len(self.lists), self.observed, len(self))


def _cell(x):
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        return "1" if x else "0"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _columns_to_csv(cols):
    """{name: sequence} -> CSV text, every column the same length."""
    names = list(cols)
    lens = {len(cols[n]) for n in names}
    if len(lens) > 1:
        raise ValueError("victimcount.read: columns of different lengths")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    for row in zip(*(cols[n] for n in names)):
        w.writerow([_cell(x) for x in row])
    return buf.getvalue().encode("utf-8")


def _data_to_csv(data, columns):
    if hasattr(data, "to_dict") and hasattr(data, "columns"):  # pandas
        return _columns_to_csv({str(c): list(data[c]) for c in data.columns})
    if isinstance(data, dict):
        return _columns_to_csv({str(k): list(v) for k, v in data.items()})
    if _np is not None and isinstance(data, _np.ndarray):
        if data.dtype.names:
            return _columns_to_csv({n: data[n].tolist()
                                    for n in data.dtype.names})
        if data.ndim != 2 or columns is None or len(columns) != data.shape[1]:
            raise ValueError("victimcount.read: a 2-D array needs columns= "
                             "naming each of its columns")
        return _columns_to_csv({str(c): data[:, i].tolist()
                                for i, c in enumerate(columns)})
    raise TypeError("victimcount.read: expected a file name, bytes, a "
                    "pandas DataFrame, a NumPy array or a dict of columns, "
                    "not %s" % type(data).__name__)


def read(data, count=None, lists=None, strata=None, merge=None, omit=None,
         encoding=None, columns=None, source=None):
    """Read capture histories into a Dataset.

    data: a CSV file name (the CLI's rules: aggregated with a count column,
    or one row per person), CSV bytes, a pandas DataFrame, a NumPy array
    (structured, or 2-D with columns=), or a dict {column: values}.
    count, lists, strata, merge ("A+B"), omit, encoding: as the CLI's
    --count, --lists, --strata, --merge, --omit, --encoding.
    Raises VictimcountError (file, line and column in the message)."""
    keep = []
    o = L.ReadOpts()
    advice = L.ReadAdvice()
    o.advice = L.POINTER(L.ReadAdvice)(advice)
    if count is not None:
        keep.append(count.encode())
        o.count_column = keep[-1]
    if encoding is not None:
        keep.append(encoding.encode())
        o.encoding = keep[-1]
    for field, value in (("lists", lists), ("strata", strata),
                         ("merge", merge), ("omit", omit)):
        arr, n = _strings(value)
        keep.append(arr)
        setattr(o, field, arr)
        setattr(o, "n" + field, n)
    err = L.Error()
    if isinstance(data, (str, os.PathLike)):
        ptr = L.vc_dataset_read(os.fsencode(data), byref(o), byref(err))
    else:
        buf = data if isinstance(data, bytes) else _data_to_csv(data, columns)
        ptr = L.vc_dataset_parse(buf, len(buf),
                                 (source or "data").encode(), byref(o),
                                 byref(err))
    if not ptr:
        adv = None
        if advice.kind == 1:
            adv = {"kind": "column", "column": _s(advice.column),
                   "may_be_count": bool(advice.may_be_count)}
        elif advice.kind in (2, 3):
            adv = {"kind": "encoding" if advice.kind == 2
                   else "encoding_name"}
        _raise(err, adv)
    return Dataset(ptr)


_READ_KEYS = ("count", "lists", "strata", "merge", "omit", "encoding",
              "columns", "source")


def _dataset(data, opts):
    if isinstance(data, Dataset):
        return data
    return read(data, **{k: opts.pop(k) for k in _READ_KEYS if k in opts})


def validate(data, **read_options):
    """Describe the input as `victimcount validate` does, as a dict: the
    file, its format, lists, people seen, notes, and per stratum the people
    seen by each list, the overlaps of every pair and the problems found.
    Raises VictimcountError when the input is refused."""
    d = _dataset(data, dict(read_options))
    strata = []
    for t in d.tables():
        J = len(t["lists"])
        masks = [int(p[::-1], 2) for p in t["patterns"]]
        over = [[sum(c for m, c in zip(masks, t["counts"])
                     if m >> a & 1 and m >> b & 1) for b in range(J)]
                for a in range(J)]
        problems = []
        for a in range(J):
            for b in range(a + 1, J):
                if over[a][b] == 0:
                    problems.append("no one is on both %s and %s (sparse "
                                    "pair: models with their interaction "
                                    "have no finite estimate)"
                                    % (t["lists"][a], t["lists"][b]))
        nonempty = sum(1 for j in range(J) if over[j][j] > 0)
        if nonempty < 3:
            problems.append("only %d lists saw anyone: two lists cannot "
                            "reveal dependence between lists, and most "
                            "methods need 3 or more" % nonempty)
        strata.append({"stratum": t["stratum"], "keys": t["keys"],
                       "lists": t["lists"], "observed": t["observed"],
                       "patterns": len(masks), "dropped": t["dropped"],
                       "seen_by_list": {t["lists"][j]: over[j][j]
                                        for j in range(J)},
                       "overlaps": over, "problems": problems})
    return {"file": d.source,
            "format": "aggregated" if d.aggregated else "record-level",
            "lists": d.lists, "observed": d.observed, "dropped": d.dropped,
            "strata_columns": d.strata_columns, "notes": d.notes,
            "strata": strata}


# ---------------------------------------------------------------- options

_DEFAULTS = {
    "level": 0.95, "interval": None, "seed": _LCM_DEFAULT_SEED,
    "threads": 0, "label": None, "round_figures": 0,
    # log-linear
    "model": None, "heterogeneity": None, "select": "stepwise",
    "pthresh": 0.02, "bootstrap": 1000,
    # latent classes
    "classes": 10, "chains": 4, "sampler": "hybrid", "temperatures": 8,
    "beta_min": 0.25, "fixed_ladder": False, "iterations": 100000,
    "burnin": 10000, "thin": 10, "max_iterations": 0,
    "until_converged": False,
    # graph averaging
    "delta": 0.0, "n0_grid": None, "prior": None, "dga_mcmc": False,
    # what comes back
    "errors": "raise", "draws": True,
}


def _options(opts):
    unknown = sorted(set(opts) - set(_DEFAULTS))
    if unknown:
        raise TypeError("victimcount.estimate: unknown option%s %s (see "
                        "help(victimcount.estimate))"
                        % ("s" if len(unknown) > 1 else "",
                           ", ".join(unknown)))
    o = dict(_DEFAULTS)
    o.update(opts)
    if o["interval"] not in (None, "lognormal", "wald", "profile",
                             "bootstrap"):
        raise ValueError("interval must be lognormal, wald, profile or "
                         "bootstrap")
    if o["select"] not in ("stepwise", "aic", "bic"):
        raise ValueError("select must be stepwise, aic or bic")
    if o["sampler"] not in _SAMPLERS:
        raise ValueError("sampler must be one of " + ", ".join(_SAMPLERS))
    if o["errors"] not in ("raise", "keep"):
        raise ValueError("errors must be 'raise' or 'keep'")
    if o["threads"] is None:
        o["threads"] = 0
    return o


class _Fail(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def _check(status, err):
    if status != 0:
        raise _Fail(status, err.msg.decode("utf-8", "replace"))


# ---------------------------------------------------------------- methods

def _classical(name, tp, J, o):
    kind = 1 if o["interval"] == "wald" else 0
    err = L.Error()
    if name in ("chapman", "petersen"):
        if J != 2:
            raise _Fail(5, "%s needs exactly 2 lists, and %d of them saw "
                        "someone here" % (name, J))
        e = L.Estimate()
        f = L.vc_chapman_estimate if name == "chapman" \
            else L.vc_petersen_estimate
        _check(f(tp, 0, 1, o["level"], kind, byref(e), byref(err)), err)
        return [(e, {})]
    if name == "pairwise":
        if J < 2:
            raise _Fail(5, "pairwise needs at least 2 lists, and only %d "
                        "saw someone here" % J)
        arr = (L.Estimate * (J * (J - 1) // 2))()
        _check(L.vc_pairwise_chapman(tp, o["level"], kind, arr, byref(err)),
               err)
        return [(e, {}) for e in arr]
    e = L.Estimate()
    if name == "chao":
        _check(L.vc_chao_estimate(tp, o["level"], byref(e), byref(err)), err)
    else:
        _check(L.vc_independence_estimate(tp, o["level"], kind, byref(e),
                                          byref(err)), err)
    return [(e, {})]


def _param_name(t, r, p):
    """As cli/methods.c names the parameters of a log-linear fit."""
    J = t.J
    if p == 0:
        return "(Intercept)"
    if p == 1 and r.model.common:
        return "k (all lists, M0)"
    if p <= J:
        return _s(t.names[p - 1])
    het0 = 1 + J + r.model.nterms
    if p >= het0:
        h = r.model.het
        if h == 1:
            return "eta%d" % (p - het0 + 2)
        if h == 2:
            return "h=Poisson(%s)" % _g(r.model.theta)
        if h == 3:
            return "h=Darroch"
        return "h=Gamma(%s)" % _g(r.model.theta)
    term = r.model.term[p - 1 - J]
    return ":".join(_s(t.names[j]) for j in range(J) if term >> j & 1)


def _g(x):
    """C's %g."""
    return "%g" % x


def _describe_loglin(t, fit, how, x):
    names = t.names
    buf = create_string_buffer(1024)
    br = create_string_buffer(512)
    err = L.Error()
    L.vc_loglin_model_format(byref(fit.model), names, buf, 1024, byref(err))
    err = L.Error()
    if L.vc_loglin_model_format(byref(fit.model), None, br, 512,
                                byref(err)) != 0 or br.value == buf.value:
        br.value = b""
    x["model"] = _s(buf.value)
    if br.value:
        x["model_brackets"] = _s(br.value)
    x["selection"] = how
    terms, coef = [], {}
    states = {_COEF_NEGINF: "minus infinity (lists never meet)",
              _COEF_ALIASED: "not estimable",
              _COEF_ZERO: "fixed at 0 (negative Chao eta)"}
    for p in range(fit.nparams):
        st = fit.coef_state[p]
        if st == _COEF_TIED:
            continue
        pn = _param_name(t, fit, p)
        if t.J < p < 1 + t.J + fit.model.nterms:
            terms.append(pn)
        free = st == _COEF_FREE
        coef[pn] = {"value": _finite(fit.coef[p]) if free else None,
                    "se": _finite(fit.se[p]) if free else None,
                    "state": states.get(st, "estimated")}
    x["terms"] = terms
    if fit.model.het != 0:
        h = {"form": _HET_NAMES[fit.model.het]}
        if fit.model.het in (2, 4):
            h["theta"] = fit.model.theta
        if fit.model.het == 1:
            h["etas_fixed_at_zero"] = fit.nzero
        x["heterogeneity"] = h
    x["coefficients"] = coef
    x["existence"] = fit.existence
    x["deviance"] = _finite(fit.deviance)
    x["df"] = _finite(fit.df)
    x["aic"] = _finite(fit.aic)
    x["bic"] = _finite(fit.bic)
    x["pearson_chi2"] = _finite(fit.pearson_chi2)
    x["pearson_max_abs"] = _finite(fit.pearson_max)


# Most lists for which every cell's Pearson residual is listed
# (CLI_RESIDUAL_MAX_LISTS of cli/methods.c).
_RESIDUAL_MAX_LISTS = 10


def _residuals(tp, t, fit, w, x):
    """Each cell's Pearson residual, from the fit refitted for its means;
    a courtesy, as in the CLI: a failure leaves them out."""
    if t.J > _RESIDUAL_MAX_LISTS:
        return
    ncell = 1 << t.J
    fitted, resid = (c_double * ncell)(), (c_double * ncell)()
    again, err = L.LoglinResult(), L.Error()
    if (L.vc_loglin_fit(tp, byref(fit.model), byref(fit), None, byref(again),
                        fitted, w, byref(err)) != 0
            or L.vc_loglin_pearson(tp, fitted, resid, byref(err)) != 0):
        return
    obs = [0.0] * ncell
    for i in range(t.npat):
        obs[t.pattern[i]] = float(t.count[i])
    x["pearson_residuals"] = [
        {"pattern": "".join("1" if c >> j & 1 else "0" for j in range(t.J)),
         "observed": obs[c], "fitted": _finite(fitted[c]),
         "residual": _finite(resid[c])} for c in range(1, ncell)]


def _gof(fit):
    pd, pp = c_double(), c_double()
    L.vc_loglin_gof(byref(fit), byref(pd), byref(pp), None)
    return pd.value, pp.value


def _near_models(tp, t, aic, top, ntop, w):
    """The goodness of fit of the models within 2 of the best AIC or BIC,
    each refitted, as the CLI's checks.models (cli/method_loglinear.c)."""
    out = []
    for i in range(ntop):
        delta = top[i].criterion - top[0].criterion
        if delta > 2.0:
            break
        f, e2 = L.LoglinResult(), L.Error()
        if L.vc_loglin_fit(tp, byref(top[i].model), None, None, byref(f),
                           None, w, byref(e2)) != 0:
            continue
        pd, pp = _gof(f)
        buf = create_string_buffer(1024)
        L.vc_loglin_model_format(byref(top[i].model), t.names, buf, 1024,
                                 byref(e2))
        out.append({"model": _s(buf.value),
                    ("aic" if aic else "bic"): _finite(top[i].criterion),
                    "delta": _finite(delta), "estimate": _finite(top[i].N),
                    "deviance": _finite(f.deviance), "df": _finite(f.df),
                    "p_value": _finite(pd),
                    "pearson_chi2": _finite(f.pearson_chi2),
                    "pearson_p_value": _finite(pp)})
    return out


def _loglin_checks(fit, near):
    """The chosen model's goodness of fit and verdict (issue 17)."""
    pd, pp = _gof(fit)
    reason = create_string_buffer(256)
    passed = L.vc_check_verdict(0, 0, pd, b"deviance goodness-of-fit",
                                reason, 256)
    c = {"statistic": "deviance", "p_value": _finite(pd),
         "pearson_p_value": _finite(pp), "df": _finite(fit.df),
         "pass": bool(passed), "reason": reason.value.decode()}
    if near is not None:
        c["models"] = near
    return c


def _loglinear(tp, o, stream):
    t = tp.contents
    err = L.Error()
    w = L.vc_loglin_workspace_alloc(t.J, byref(err))
    if not w:
        raise _Fail(err.code, err.msg.decode())
    try:
        return _loglinear_in(tp, t, o, w, stream)
    finally:
        L.vc_loglin_workspace_free(w)


def _loglinear_in(tp, t, o, w, stream):
    err = L.Error()
    fit = L.LoglinResult()
    asked = None
    near = None
    how = "the user (--model)"
    x = {}
    if o["heterogeneity"] is not None and o["model"] is None:
        raise _Fail(VC_EINVAL, "--heterogeneity adds to a model: give "
                    "--model too (--model independence for Rcapture's Mth, "
                    "--model M0 for Mh)")
    if o["model"] is not None:
        spec = o["model"]
        if o["heterogeneity"] is not None:
            spec = "%s + h=%s" % (spec, o["heterogeneity"])
        m = L.LoglinModel()
        _check(L.vc_loglin_model_parse(spec.encode(), t.J, t.names, byref(m),
                                       byref(err)), err)
        asked = m
        _check(L.vc_loglin_fit(tp, byref(m), None, None, byref(fit), None, w,
                               byref(err)), err)
    elif o["select"] == "stepwise":
        how = "stepwise (SparseMSE)"
        _check(L.vc_loglin_stepwise(tp, o["pthresh"], byref(fit), w,
                                    byref(err)), err)
    else:
        aic = o["select"] == "aic"
        # as many ranked models as the CLI (CLI_GOF_RANKED), for the
        # checks of those within 2 of the best; 5 of them listed
        top = (L.LoglinRanked * 32)()
        summ = L.LoglinEnumSummary()
        how = ("AIC" if aic else "BIC") + " over all pairwise models"
        _check(L.vc_loglin_enumerate(tp, 0 if aic else 1, 32, top,
                                     byref(summ), byref(err)), err)
        _check(L.vc_loglin_fit(tp, byref(top[0].model), None, None,
                               byref(fit), None, w, byref(err)), err)
        arr = []
        for i in range(min(summ.ntop, 5)):
            buf = create_string_buffer(1024)
            e2 = L.Error()
            L.vc_loglin_model_format(byref(top[i].model), t.names, buf, 1024,
                                     byref(e2))
            arr.append({"model": _s(buf.value),
                        "estimate": _finite(top[i].N),
                        ("aic" if aic else "bic"):
                            _finite(top[i].criterion),
                        "weight": _finite(top[i].weight)})
        x["top_models"] = arr
        x["models_fitted"] = summ.nfitted
        x["models_refused"] = summ.nrefused
        near = _near_models(tp, t, aic, top, summ.ntop, w)
    e = L.Estimate()
    _check(L.vc_loglin_estimate(byref(fit), o["level"], byref(e),
                                byref(err)), err)
    _describe_loglin(t, fit, how, x)
    _residuals(tp, t, fit, w, x)
    x["checks"] = _loglin_checks(fit, near)
    e.interval = b"Wald on log n0"
    kind = o["interval"]
    if kind is None:
        kind = "bootstrap" if (o["model"] is None
                               and o["select"] == "stepwise") else "profile"
    if kind == "profile":
        lo, hi, flags = c_double(), c_double(), c_uint()
        _check(L.vc_loglin_profile_ci(tp, byref(asked if asked is not None
                                                else fit.model),
                                      o["level"], 0.0, byref(lo), byref(hi),
                                      byref(flags), w, byref(err)), err)
        e.lower, e.upper = lo.value, hi.value
        e.flags |= flags.value
        e.interval = b"profile likelihood (Cormack 1992)"
    elif kind == "bootstrap":
        if o["model"] is not None or o["select"] != "stepwise":
            raise _Fail(VC_EINVAL, "the bootstrap interval repeats stepwise "
                        "selection in every replicate: use it with --select "
                        "stepwise and no --model")
        bo = L.LoglinBootOpts()
        L.vc_loglin_boot_opts_default(byref(bo))
        bo.B = o["bootstrap"]
        bo.seed = o["seed"]
        bo.stratum = stream
        bo.pthresh = o["pthresh"]
        bo.level = o["level"]
        br = L.LoglinBootResult()
        _check(L.vc_loglin_bootstrap(tp, byref(bo), byref(br), None,
                                     byref(err)), err)
        e.lower, e.upper = br.bca_lower, br.bca_upper
        e.interval = b"bootstrap BCa through stepwise selection"
        e.flags |= L.vc_loglin_boot_flags(byref(br), o["level"])
        x["bootstrap"] = {"replicates": br.B, "failed": br.nfailed,
                          "seed": o["seed"],
                          "percentile": [_finite(br.pct_lower),
                                         _finite(br.pct_upper)],
                          "bca": [_finite(br.bca_lower),
                                  _finite(br.bca_upper)]}
    return [(e, x)]


def _diag_or_null(defined, v):
    return _finite(v) if defined else None


def _checks(p, t, flags):
    """The "checks" object of an lcm or dga result, as the CLI writes it
    (cli/checks.c): the posterior predictive check and its verdict."""
    worst = []
    for k in range(min(p.nworst, L.PPC_WORST)):
        c = p.worst[k]
        worst.append({
            "pattern": "".join("1" if c.pattern >> j & 1 else "0"
                               for j in range(t.J)),
            "observed": _finite(c.observed),
            "expected": _finite(c.expected),
            "replicated": _finite(c.replicated),
            "discrepancy": _finite(c.discrepancy)})
    reason = create_string_buffer(256)
    passed = L.vc_check_verdict(0, flags,
                                p.ppp if p.defined else float("nan"),
                                b"posterior predictive", reason, 256)
    return {"statistic": _s(p.statistic),
            "ppp": _finite(p.ppp) if p.defined else None,
            "draws": p.draws,
            "observed_mean": _finite(p.observed_mean) if p.defined else None,
            "replicated_mean":
                _finite(p.replicated_mean) if p.defined else None,
            "worst_patterns": worst, "pass": bool(passed),
            "reason": reason.value.decode()}


def _lcm(tp, o, stream):
    t = tp.contents
    err = L.Error()
    lo = L.LcmOpts()
    L.vc_lcm_opts_default(byref(lo))
    lo.K = o["classes"]
    lo.sampler = _SAMPLERS[o["sampler"]]
    lo.temperatures = o["temperatures"]
    lo.beta_min = o["beta_min"]
    lo.adapt_ladder = 0 if o["fixed_ladder"] else 1
    lo.chains = o["chains"]
    lo.burnin = o["burnin"]
    lo.iterations = o["iterations"]
    lo.thin = o["thin"]
    lo.seed = o["seed"]
    lo.stratum = stream
    lo.threads = o["threads"]
    lo.level = o["level"]
    _check(L.vc_lcm_opts_check(byref(lo), tp, byref(err)), err)
    c = L.vc_lcm_chains_alloc(tp, byref(lo), byref(err))
    if not c:
        raise _Fail(err.code, err.msg.decode())
    try:
        return _lcm_run(c, t, o, lo)
    finally:
        L.vc_lcm_chains_free(c)


def _lcm_run(c, t, o, lo):
    err = L.Error()
    max_total = o["max_iterations"] or 10 * o["iterations"]
    target = o["iterations"]
    # Rounds of about a second (after the first, which also runs the
    # burn-in): between rounds Python sees Ctrl-C (a call into C cannot be
    # interrupted), and rounds never change the draws
    # (vc_lcm_chains_round).
    thin = max(o["thin"], 1)
    rnd = thin
    s = L.LcmSummary()
    t0 = time.monotonic()
    while True:
        done = L.vc_lcm_chains_sweeps(c)
        if done >= target:
            _check(L.vc_lcm_chains_summary(c, byref(s), byref(err)), err)
            if s.converged or not o["until_converged"] or done >= max_total:
                break
            target = min(done + o["iterations"], max_total)
            continue
        ask = min(target - done, rnd)
        r0 = time.monotonic()
        _check(L.vc_lcm_chains_round(c, ask, byref(err)), err)
        secs = time.monotonic() - r0
        # the sweeps of about a second at this pace, at most 4 times more
        want = min(ask / secs if secs > 0 else 4 * ask, 4 * ask)
        rnd = max(int(want // thin), 1) * thin
    seconds = time.monotonic() - t0
    e = L.Estimate()
    L.vc_lcm_summary_estimate(byref(s), byref(e))
    e.level = o["level"]
    e.interval = b"equal-tailed posterior"
    N = s.N
    x = {"mean": _finite(N.mean), "sd": _finite(N.sd),
         "hpd_lower": _finite(N.hpd_lower), "hpd_upper": _finite(N.hpd_upper)}
    dd = N.diag_defined
    d = {"rhat": _diag_or_null(dd, N.rhat),
         "ess_bulk": _diag_or_null(dd, N.ess_bulk),
         "ess_tail": _diag_or_null(dd, N.ess_tail),
         "mcse_median": _finite(N.mcse_median),
         "mcse_lower": _finite(N.mcse_lower),
         "mcse_upper": _finite(N.mcse_upper),
         "chains": s.chains, "sweeps": s.sweeps, "burnin": s.burnin,
         "thin": s.thin, "draws": s.draws, "seconds": seconds,
         "converged": bool(s.converged),
         # the chains' agreement on the tails (issue 21)
         "tails": {"below_lower_min": _finite(s.low_share_min),
                   "below_lower_max": _finite(s.low_share_max),
                   "above_upper_min": _finite(s.high_share_min),
                   "above_upper_max": _finite(s.high_share_max),
                   "p_value": _finite(s.tail_p),
                   "agree": not s.flags & _FLAG_TAILS},
         "seed": s.seed, "rng": _s(s.rng),
         "sampler": _s(s.sampler), "temperatures": s.temperatures}
    if s.modes > 1:
        # separate modes of the pooled draws of N (issue 21)
        d["modes"] = [{"peak": _finite(s.mode_centre[k]),
                       "lower": _finite(s.mode_lo[k]),
                       "upper": _finite(s.mode_hi[k]),
                       "weight": _finite(s.mode_weight[k])}
                      for k in range(min(s.modes, 4))]
    if s.temperatures > 1:
        beta, rate = (c_double * 64)(), (c_double * 64)()
        nb = L.lib.vc_lcm_chains_ladder(c, beta, 64)
        nr = L.lib.vc_lcm_chains_swap_rates(c, rate, 64)
        d["ladder"] = list(beta[:min(nb, 64)])
        d["exchange_rates"] = list(rate[:min(nr, 64)])
        # the replica whose reweighted draws put the most weight outside
        # the cold chains' range of N (issue 21)
        d["replicas"] = {"replica": s.replica,
                         "beta": _finite(s.replica_beta),
                         "cold_lower": _finite(s.cold_lo),
                         "cold_upper": _finite(s.cold_hi),
                         "share_below": _finite(s.replica_below),
                         "share_above": _finite(s.replica_above),
                         "ess": _finite(s.replica_ess),
                         "draws_outside": s.replica_outside,
                         "agree": not s.flags & _FLAG_REPLICA}
    smc = L.LcmSplitmergeCounts()
    if L.vc_lcm_chains_splitmerge_counts(c, 0, byref(smc)):
        d["splitmerge"] = {k: getattr(smc, k)
                           for k, _ in L.LcmSplitmergeCounts._fields_}
    hc = L.LcmHybridCounts()
    if L.vc_lcm_chains_hybrid_counts(c, byref(hc)):
        d["unseen_moves"] = {"proposed": hc.unseen_moves_proposed,
                             "accepted": hc.unseen_moves_accepted}
        d["flips"] = {"proposed": hc.flips_proposed,
                      "accepted": hc.flips_accepted}
    d["classes"] = s.K
    x["diagnostics"] = d
    ppc = L.Ppc()
    _check(L.vc_lcm_chains_ppc(c, byref(ppc), byref(err)), err)
    x["checks"] = _checks(ppc, t, s.flags)
    if o["draws"]:
        x["draws"] = _lcm_draws(c)
    return [(e, x)]


def _lcm_draws(c):
    """Draws per chain: N, alpha and occupied classes, each an array of
    shape (chains, draws) (lists of lists without NumPy)."""
    out = {"N": [], "alpha": [], "occupied": []}
    for ch in range(L.vc_lcm_chains_count(c)):
        tr = L.vc_lcm_chains_trace(c, ch).contents
        n = tr.ndraws
        out["N"].append(tr.N[:n])
        out["alpha"].append(tr.alpha[:n])
        out["occupied"].append(tr.occupied[:n])
    if _np is not None:
        out = {"N": _np.array(out["N"], dtype=_np.uint64),
               "alpha": _np.array(out["alpha"], dtype=_np.float64),
               "occupied": _np.array(out["occupied"], dtype=_np.uint32)}
    return out


def _dga(tp, o, stream):
    t = tp.contents
    err = L.Error()
    d = L.DgaOpts()
    d.delta = o["delta"]
    if o["n0_grid"] is not None:
        d.n0_lo, d.n0_hi = o["n0_grid"]
    prior = o["prior"]
    if prior is not None and prior != "1/N":
        if not (isinstance(prior, tuple) and len(prior) == 3
                and prior[0] == "negbin"):
            raise ValueError("prior must be '1/N' or ('negbin', a, b)")
        d.prior, d.nb_a, d.nb_b = 1, prior[1], prior[2]
    d.top = 5
    mcmc = o["dga_mcmc"] or t.J > _DGA_MAX_EXACT_LISTS
    m = L.DgaMcmcOpts()
    L.vc_dga_mcmc_opts_default(byref(m))
    m.chains = o["chains"]
    m.burnin = o["burnin"]
    m.iterations = o["iterations"]
    m.thin = o["thin"]
    m.seed = o["seed"]
    m.stratum = stream
    m.threads = o["threads"]
    t0 = time.monotonic()
    rp = L.vc_dga_mcmc_fit(tp, byref(d), byref(m), byref(err)) if mcmc \
        else L.vc_dga_fit(tp, byref(d), byref(err))
    seconds = time.monotonic() - t0
    if not rp:
        raise _Fail(err.code, err.msg.decode())
    try:
        ppc = L.Ppc()
        _check(L.vc_dga_ppc(tp, byref(d), rp, o["seed"], m.stratum, 0,
                            byref(ppc), byref(err)), err)
        return _dga_result(t, rp.contents, o, mcmc, seconds, ppc)
    finally:
        L.vc_dga_result_free(rp)


def _dga_result(t, r, o, mcmc, seconds, ppc):
    e = L.Estimate()
    L.vc_dga_estimate(byref(r), o["level"], byref(e))
    x = {"mean": _finite(r.mean), "sd": _finite(r.sd),
         "mode": _finite(r.mode), "delta": _finite(r.delta),
         "n0_grid": [r.n0_lo, r.n0_lo + r.ngrid - 1],
         "search": "mcmc" if mcmc else "exact",
         "graphs_averaged": r.ngraphs}
    if mcmc:
        mc = r.mc
        dd = mc.diag_defined
        x["diagnostics"] = {
            "rhat": _diag_or_null(dd, mc.rhat_N),
            "ess_bulk": _diag_or_null(dd, mc.ess_N),
            "rhat_edges": _diag_or_null(dd, mc.rhat_edges),
            "ess_bulk_edges": _diag_or_null(dd, mc.ess_edges),
            "chains": mc.chains, "sweeps": mc.sweeps, "burnin": mc.burnin,
            "thin": mc.thin, "draws": mc.draws,
            "acceptance": _finite(mc.acceptance),
            "graphs_visited": mc.visited, "graphs_evaluated": mc.evaluated,
            "seconds": seconds, "converged": bool(mc.converged),
            "seed": mc.seed, "rng": _s(mc.rng)}
    graphs = []
    for k in range(r.ntop):
        g = r.top[k]
        gd = {"cliques": _s(g.cliques), "posterior": _finite(g.posterior),
              "mean": _finite(g.mean_N)}
        if mcmc:
            gd["renormalised"] = _finite(g.renormalised)
        graphs.append(gd)
    x["graphs"] = graphs
    J = t.J
    x["edge_posterior"] = {
        "%s-%s" % (_s(t.names[a]), _s(t.names[b])):
            _finite(r.edge_post[a * J + b])
        for a in range(J) for b in range(a + 1, J)}
    if r.flags & _FLAG_UPPER_OPEN:
        x["grid_tail_mass"] = r.tail_mass
    x["checks"] = _checks(ppc, t, r.flags)
    grid = r.post[:r.ngrid]
    n0 = [r.n0_lo + i for i in range(r.ngrid)]
    if _np is not None:
        grid, n0 = _np.array(grid), _np.array(n0, dtype=_np.uint64)
    # not a JSON field: the posterior of N on the grid, N = n + n0
    x["posterior"] = {"N": (n0 + r.n) if _np is not None
                      else [v + r.n for v in n0], "probability": grid}
    return [(e, x)]


# ---------------------------------------------------------------- estimate

def _run(m, tp, o, stream):
    """Method m on table tp: a list of (vc_estimate, details)."""
    if m in _CLASSICAL:
        return _classical(m, tp, tp.contents.J, o)
    if m == "loglinear":
        return _loglinear(tp, o, stream)
    if m == "lcm":
        return _lcm(tp, o, stream)
    return _dga(tp, o, stream)


def _label(o, d, t):
    """As cli_population_label: the stratum, the label, or the input's base
    name without extension."""
    if t.label is not None:
        return ("%s, %s" % (o["label"], _s(t.label)) if o["label"]
                else _s(t.label))
    if o["label"] is not None:
        return o["label"]
    base = os.path.basename(d.source)
    dot = base.rfind(".")
    return base[:dot] if dot > 0 else base


def _flag_texts(flags):
    w = (c_char_p * 32)()  # more than there are flags: one per bit
    n = L.vc_estimate_warnings(flags, w, len(w))
    return [_s(w[i]) for i in range(n)]


def _row(name, d, t, o, e, x, ok, error=None, status=0):
    two = name in ("chapman", "petersen", "pairwise")
    j = {"method": name, "stratum": _s(t.label)}
    if d.strata_columns:
        j["stratum_keys"] = {d.strata_columns[k]: _s(t.keys[k])
                             for k in range(min(t.nkeys,
                                                len(d.strata_columns)))}
    if two and ok:
        j["lists"] = [_s(t.names[e.list_a]), _s(t.names[e.list_b])]
    else:
        j["lists"] = [_s(t.names[i]) for i in range(t.J)]
    j["estimate"] = _finite(e.estimate) if ok else None
    j["se"] = _finite(e.se) if ok and e.has_se else None
    j["lower"] = _finite(e.lower) if ok else None
    j["upper"] = _finite(e.upper) if ok else None
    j["level"] = o["level"]
    j["interval"] = _s(e.interval) if ok else None
    j["observed"] = e.observed if ok and two else t.n
    j["warnings"] = _flag_texts(e.flags) if ok else []
    if ok:
        buf = create_string_buffer(512)
        L.vc_headline(_label(o, d, t).encode(), byref(e), o["round_figures"],
                      buf, 512)
        j["headline"] = _s(buf.value)
        j.update(x)
    else:
        j["headline"] = None
        j["error"] = error
        j["status"] = status
    return j


def estimate(data, methods=None, **options):
    """Estimate the population size of every stratum with every method.

    data: a Dataset from read(), or anything read() takes (then the read
    options count, lists, strata, merge, omit, encoding, columns, source
    may be given here too).
    methods: names among chapman, petersen, pairwise, chao, independence,
    loglinear, lcm, dga; default chapman for 2 lists, else loglinear and
    chao (as the CLI).

    Options, as the CLI's flags of the same names and with its defaults:
    level=0.95, interval (lognormal, wald, profile, bootstrap), seed,
    threads (0: OpenMP's default, i.e. OMP_NUM_THREADS; never changes the
    results), label, round_figures; log-linear: model, heterogeneity,
    select (stepwise, aic, bic), pthresh, bootstrap; lcm: classes, chains,
    sampler, temperatures, beta_min, fixed_ladder, iterations, burnin,
    thin, max_iterations, until_converged; dga: delta, n0_grid=(lo, hi),
    prior ('1/N' or ('negbin', a, b)), dga_mcmc.
    errors='raise' (default) raises VictimcountError for the first method
    that fails on a stratum; errors='keep' returns its row with estimate
    None, error and status instead.  draws=False leaves out lcm's draws.

    Returns a list of dicts, one per stratum and method (per pair for
    pairwise), with the fields of `victimcount estimate -f json` and, not
    in the JSON, "draws" (lcm: NumPy arrays of shape (chains, draws) for
    N, alpha, occupied) and "posterior" (dga: N and probability on the
    grid).  Long runs release the GIL; Ctrl-C stops an lcm run between
    rounds (about a second each, after the burn-in) and frees it.
    """
    opts = dict(options)
    d = _dataset(data, opts)
    o = _options(opts)
    if methods is None:
        methods = ["chapman"] if len(d.lists) == 2 else ["loglinear", "chao"]
    elif isinstance(methods, str):
        methods = [m for m in methods.split(",") if m]
    for m in methods:
        if m not in _METHODS:
            raise ValueError("unknown method %r; methods: %s"
                             % (m, ", ".join(_METHODS)))
        if m in _TWO_LIST and len(d.lists) != 2:
            raise VictimcountError(VC_EINVAL, "method %s needs exactly 2 "
                                   "lists and %s has %d; pick two with "
                                   "lists=[A, B], or use pairwise"
                                   % (m, d.source, len(d.lists)))
    rows = []
    for s in range(len(d)):
        tp = d._table(s)
        t = tp.contents
        # a stratum's streams are keyed by its label (vc_batch.h)
        stream = L.vc_hash_string(t.label)
        for m in methods:
            try:
                got = _run(m, tp, o, stream)
                rows.extend(_row(m, d, t, o, e, x, True) for e, x in got)
            except _Fail as f:
                if o["errors"] == "raise":
                    where = "%s: " % _s(t.label) if t.label else ""
                    raise VictimcountError(f.status, "%s%s: %s"
                                           % (where, m, f.message)) from None
                rows.append(_row(m, d, t, o, L.Estimate(), {}, False,
                                 f.message, f.status))
    return rows


# ---------------------------------------------------------------- batch

def batch(data, methods=None, **options):
    """Every stratum with every method, as `victimcount batch` computes its
    results: the library's plan of a batch (batch/vc_batch.h) gives the
    units, stratum by stratum and the methods in the order given (default
    chapman, loglinear, lcm, dga), the method that runs on each stratum's
    table (chapman on more than two lists gives Chapman for each pair) and
    the seed and random stream of each unit, so the same options and seed
    give the numbers of the CLI's results.json, bit for bit, whatever the
    number of threads.

    data and options: as estimate() (draws=False unless asked for).  A unit
    that fails does not stop the batch: its row has estimate None, error
    and status, as in results.json.  Returns a list of dicts, one per
    stratum and method (per pair for chapman on more than two lists), with
    the fields of results.json's rows.  The report (report.html) is written
    by the CLI: `victimcount batch FILE --out DIR`.
    """
    opts = dict(options)
    opts.setdefault("draws", False)
    d = _dataset(data, opts)
    o = _options(opts)
    if isinstance(methods, str):
        methods = [m for m in methods.split(",") if m]
    arr, n = _strings(methods)
    nunits = c_size_t()
    err = L.Error()
    plan = L.vc_batch_plan(d._ptr, arr, n, o["seed"], byref(nunits),
                           byref(err))
    if not plan:
        _raise(err)
    try:
        units = [(u.stratum, _s(u.asked), _s(u.run), u.seed, u.stream,
                  u.status, _s(u.why)) for u in plan[:nunits.value]]
    finally:
        L.libc_free(plan)
    rows = []
    for s, asked, run, seed, stream, status, why in units:
        tp = d._table(s)
        t = tp.contents
        uo = dict(o, seed=seed)
        if status != 0:
            got, fail = [], _Fail(status, why)
        else:
            try:
                got, fail = _run(run, tp, uo, stream), None
            except _Fail as f:
                got, fail = [], f
        if fail is not None:
            rows.append(_row(asked, d, t, uo, L.Estimate(), {}, False,
                             fail.message, fail.status))
        rows.extend(_row(asked, d, t, uo, e, x, True) for e, x in got)
    for r in rows:
        r["variant"] = "all lists"
    return rows
