"""The C library through ctypes: where it is found, and the structs and
functions of its public headers that the module calls.

The structs repeat the layouts of core/vc_core.h, data/vc_data.h,
estimators/vc_estimators.h, estimators/vc_loglin.h, models/vc_models.h,
models/vc_dga.h and batch/vc_batch.h field for field; tests/test_layout.py compiles a probe
against those headers and checks every size and offset, so a header change
that is not repeated here fails the tests instead of corrupting memory.

ctypes releases the GIL for the duration of every call into a CDLL, so
other Python threads run while a sampler does.
"""
import ctypes
import ctypes.util
import os
from ctypes import (POINTER, Structure, c_char, c_char_p, c_double, c_int,
                    c_size_t, c_ubyte, c_uint, c_uint32, c_uint64, c_void_p)

ERROR_SIZE = 512
LOGLIN_MAX_TERMS = 256
LOGLIN_MAX_LISTS = 20
LOGLIN_MAX_PARAMS = 1 + LOGLIN_MAX_LISTS + LOGLIN_MAX_TERMS + LOGLIN_MAX_LISTS


def _candidates():
    """Where libvictimcount may be, in the order tried: $VICTIMCOUNT_LIB,
    the source tree's build/ when the module is used in place, then the
    dynamic linker's search (an installed library)."""
    env = os.environ.get("VICTIMCOUNT_LIB")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    tree = os.path.normpath(os.path.join(here, "..", "..", "..", "build",
                                         "libvictimcount.so"))
    if os.path.exists(tree):
        yield tree
    yield "libvictimcount.so.0"
    found = ctypes.util.find_library("victimcount")
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("victimcount: libvictimcount not found; build it "
                      "(make) or install it (make install), or set "
                      "VICTIMCOUNT_LIB to its path. Tried: "
                      + "; ".join(tried))


lib, lib_path = _load()

# GSL's default error handler aborts the process; the library expects it
# off and reports every failure as a status, as the CLI and the tests set
# it (cli/main.c).  The setting is GSL's, so it holds for the whole
# process.  libgsl is a dependency of libvictimcount: dlsym finds it there.
lib.gsl_set_error_handler_off.restype = c_void_p
lib.gsl_set_error_handler_off.argtypes = []
lib.gsl_set_error_handler_off()


class Error(Structure):
    _fields_ = [("code", c_int), ("msg", c_char * ERROR_SIZE)]


class Table(Structure):
    _fields_ = [("J", c_size_t), ("names", POINTER(c_char_p)),
                ("npat", c_size_t), ("pattern", POINTER(c_uint32)),
                ("count", POINTER(c_uint64)), ("n", c_uint64),
                ("label", c_char_p), ("nkeys", c_size_t),
                ("keys", POINTER(c_char_p)), ("dropped", c_uint64)]


class ReadAdvice(Structure):
    _fields_ = [("kind", c_int), ("may_be_count", c_int),
                ("column", c_char * ERROR_SIZE)]


class ReadOpts(Structure):
    _fields_ = [("count_column", c_char_p),
                ("lists", POINTER(c_char_p)), ("nlists", c_size_t),
                ("strata", POINTER(c_char_p)), ("nstrata", c_size_t),
                ("merge", POINTER(c_char_p)), ("nmerge", c_size_t),
                ("omit", POINTER(c_char_p)), ("nomit", c_size_t),
                ("encoding", c_char_p), ("advice", POINTER(ReadAdvice)),
                ("covariates", POINTER(c_char_p)), ("ncovariates", c_size_t)]


class Dataset(Structure):
    _fields_ = [("source", c_char_p), ("aggregated", c_int),
                ("J", c_size_t), ("names", POINTER(c_char_p)),
                ("nstrata_cols", c_size_t),
                ("strata_cols", POINTER(c_char_p)),
                ("ntables", c_size_t), ("tables", POINTER(POINTER(Table))),
                ("n", c_uint64), ("dropped", c_uint64),
                ("nnotes", c_size_t), ("notes", POINTER(c_char_p)),
                ("ncovariates", c_size_t)]


class Estimate(Structure):
    _fields_ = [("method", c_char_p), ("estimate", c_double),
                ("se", c_double), ("has_se", c_int), ("level", c_double),
                ("lower", c_double), ("upper", c_double),
                ("interval", c_char_p), ("observed", c_uint64),
                ("list_a", c_size_t), ("list_b", c_size_t),
                ("flags", c_uint)]


class LoglinModel(Structure):
    _fields_ = [("J", c_size_t), ("nterms", c_size_t),
                ("term", c_uint32 * LOGLIN_MAX_TERMS), ("het", c_int),
                ("theta", c_double), ("eta_zero", c_uint32),
                ("common", c_int)]


class LoglinResult(Structure):
    _fields_ = [("model", LoglinModel), ("existence", c_int),
                ("nparams", c_size_t),
                ("coef", c_double * LOGLIN_MAX_PARAMS),
                ("se", c_double * LOGLIN_MAX_PARAMS),
                ("coef_state", c_ubyte * LOGLIN_MAX_PARAMS),
                ("n", c_uint64), ("n0", c_double), ("N", c_double),
                ("log_n0", c_double), ("se_log_n0", c_double),
                ("ncells", c_size_t), ("nfixed", c_size_t),
                ("nneginf", c_size_t), ("naliased", c_size_t),
                ("nzero", c_size_t), ("k", c_size_t), ("df", c_double),
                ("deviance", c_double), ("loglik", c_double),
                ("aic", c_double), ("bic", c_double),
                ("pearson_chi2", c_double), ("pearson_max", c_double),
                ("iterations", c_size_t)]


class LoglinRanked(Structure):
    _fields_ = [("model", LoglinModel), ("N", c_double),
                ("criterion", c_double), ("weight", c_double),
                ("deviance", c_double), ("df", c_double),
                ("index", c_uint64)]


class LoglinEnumSummary(Structure):
    _fields_ = [("nmodels", c_uint64), ("nfitted", c_uint64),
                ("nrefused", c_uint64), ("N_averaged", c_double),
                ("ntop", c_size_t)]


class LoglinBootOpts(Structure):
    _fields_ = [("B", c_size_t), ("seed", c_uint64), ("stratum", c_uint64),
                ("pthresh", c_double), ("level", c_double)]


class LoglinBootResult(Structure):
    _fields_ = [("N", c_double), ("pct_lower", c_double),
                ("pct_upper", c_double), ("bca_lower", c_double),
                ("bca_upper", c_double), ("z0", c_double),
                ("acceleration", c_double), ("B", c_size_t),
                ("nfailed", c_size_t)]


class LcmOpts(Structure):
    _fields_ = [("K", c_size_t), ("alpha_shape", c_double),
                ("alpha_rate", c_double), ("n_max", c_uint64),
                ("sampler", c_int), ("temperatures", c_size_t),
                ("beta_min", c_double), ("adapt_ladder", c_int),
                ("chains", c_size_t), ("burnin", c_uint64),
                ("iterations", c_uint64), ("thin", c_uint64),
                ("seed", c_uint64), ("stratum", c_uint64),
                ("threads", c_int), ("level", c_double),
                ("rhat_max", c_double), ("ess_min", c_double)]


class DiagSummary(Structure):
    _fields_ = [(f, c_double) for f in
                ("mean", "sd", "median", "level", "lower", "upper",
                 "hpd_lower", "hpd_upper")] + \
               [("diag_defined", c_int)] + \
               [(f, c_double) for f in
                ("rhat", "ess_bulk", "ess_tail", "mcse_mean", "mcse_median",
                 "mcse_lower", "mcse_upper")]


class LcmSummary(Structure):
    _fields_ = [("N", DiagSummary), ("alpha", DiagSummary),
                ("occupied", DiagSummary), ("converged", c_int),
                ("low_share_min", c_double), ("low_share_max", c_double),
                ("high_share_min", c_double),
                ("high_share_max", c_double), ("tail_p", c_double),
                ("replica", c_size_t), ("replica_beta", c_double),
                ("replica_below", c_double), ("replica_above", c_double),
                ("replica_ess", c_double), ("replica_outside", c_size_t),
                ("cold_lo", c_double), ("cold_hi", c_double),
                ("modes", c_size_t), ("mode_centre", c_double * 4),
                ("mode_lo", c_double * 4), ("mode_hi", c_double * 4),
                ("mode_weight", c_double * 4),
                ("flags", c_uint), ("observed", c_uint64),
                ("rng", c_char_p), ("sampler", c_char_p),
                ("temperatures", c_size_t), ("beta_min", c_double),
                ("version", c_char_p), ("seed", c_uint64),
                ("stratum", c_uint64), ("chains", c_size_t),
                ("K", c_size_t), ("burnin", c_uint64), ("sweeps", c_uint64),
                ("thin", c_uint64), ("draws", c_size_t),
                ("bound_sweeps", c_uint64)]


class LcmTrace(Structure):
    _fields_ = [("ndraws", c_size_t), ("N", POINTER(c_uint64)),
                ("alpha", POINTER(c_double)),
                ("occupied", POINTER(c_uint32))]


class LcmSplitmergeCounts(Structure):
    _fields_ = [("splits_proposed", c_uint64),
                ("splits_accepted", c_uint64),
                ("merges_proposed", c_uint64),
                ("merges_accepted", c_uint64),
                ("splits_no_empty_class", c_uint64),
                ("label_swaps_proposed", c_uint64),
                ("label_swaps_accepted", c_uint64)]


class LcmHybridCounts(Structure):
    _fields_ = [("unseen_moves_proposed", c_uint64),
                ("unseen_moves_accepted", c_uint64),
                ("flips_proposed", c_uint64),
                ("flips_accepted", c_uint64)]


class DgaOpts(Structure):
    _fields_ = [("delta", c_double), ("n0_lo", c_uint64),
                ("n0_hi", c_uint64), ("prior", c_int), ("nb_a", c_double),
                ("nb_b", c_double), ("top", c_size_t)]


class DgaGraph(Structure):
    _fields_ = [("edges", c_uint32), ("posterior", c_double),
                ("renormalised", c_double), ("mean_N", c_double),
                ("cliques", c_char * 256)]


class DgaMcmcInfo(Structure):
    _fields_ = [("rng", c_char_p), ("seed", c_uint64),
                ("stratum", c_uint64), ("chains", c_size_t),
                ("burnin", c_uint64), ("sweeps", c_uint64),
                ("thin", c_uint64), ("draws", c_size_t),
                ("visited", c_size_t), ("evaluated", c_size_t),
                ("acceptance", c_double), ("diag_defined", c_int),
                ("rhat_N", c_double), ("ess_N", c_double),
                ("rhat_edges", c_double), ("ess_edges", c_double),
                ("converged", c_int)]


class DgaResult(Structure):
    _fields_ = [("J", c_size_t), ("ngraphs", c_size_t), ("n", c_uint64),
                ("n0_lo", c_uint64), ("ngrid", c_size_t),
                ("post", POINTER(c_double)), ("delta", c_double),
                ("mean", c_double), ("sd", c_double),
                ("median", c_double), ("mode", c_double),
                ("tail_mass", c_double), ("ntop", c_size_t),
                ("top", POINTER(DgaGraph)),
                ("edge_post", POINTER(c_double)), ("flags", c_uint),
                ("mcmc", c_int), ("mc", DgaMcmcInfo),
                ("nall", c_size_t), ("all_edges", POINTER(c_uint32)),
                ("all_post", POINTER(c_double))]


# the posterior predictive check (models/vc_ppc.h)
PPC_WORST = 5


class PpcCell(Structure):
    _fields_ = [("pattern", c_uint32), ("observed", c_double),
                ("expected", c_double), ("replicated", c_double),
                ("discrepancy", c_double)]


class Ppc(Structure):
    _fields_ = [("defined", c_int), ("statistic", c_char_p),
                ("ppp", c_double), ("observed_mean", c_double),
                ("replicated_mean", c_double), ("draws", c_uint64),
                ("nworst", c_size_t), ("worst", PpcCell * PPC_WORST)]


class DgaMcmcOpts(Structure):
    _fields_ = [("chains", c_size_t), ("burnin", c_uint64),
                ("iterations", c_uint64), ("thin", c_uint64),
                ("seed", c_uint64), ("stratum", c_uint64),
                ("threads", c_int), ("rhat_max", c_double),
                ("ess_min", c_double)]


class BatchUnit(Structure):
    _fields_ = [("stratum", c_size_t), ("method", c_size_t),
                ("asked", c_char_p), ("run", c_char_p), ("seed", c_uint64),
                ("stream", c_uint64), ("status", c_int),
                ("why", c_char * ERROR_SIZE)]


# name -> (struct, C type name) for the layout test
STRUCTS = {
    "vc_error": Error, "vc_table": Table, "vc_read_advice": ReadAdvice,
    "vc_read_opts": ReadOpts, "vc_dataset": Dataset,
    "vc_estimate": Estimate, "vc_loglin_model": LoglinModel,
    "vc_loglin_result": LoglinResult, "vc_loglin_ranked": LoglinRanked,
    "vc_loglin_enum_summary": LoglinEnumSummary,
    "vc_loglin_boot_opts": LoglinBootOpts,
    "vc_loglin_boot_result": LoglinBootResult, "vc_lcm_opts": LcmOpts,
    "vc_diag_summary": DiagSummary, "vc_lcm_summary": LcmSummary,
    "vc_lcm_trace": LcmTrace,
    "vc_lcm_splitmerge_counts": LcmSplitmergeCounts,
    "vc_lcm_hybrid_counts": LcmHybridCounts, "vc_dga_opts": DgaOpts,
    "vc_dga_graph": DgaGraph, "vc_dga_mcmc_info": DgaMcmcInfo,
    "vc_dga_result": DgaResult, "vc_dga_mcmc_opts": DgaMcmcOpts,
    "vc_batch_unit": BatchUnit,
    "vc_ppc_cell": PpcCell, "vc_ppc": Ppc,
}

# The flags (core/vc_estimate.h) that this package tests bit by bit; their
# words come from vc_estimate_warnings.  The layout test checks the values.
FLAGS = {"VC_FLAG_UPPER_OPEN": 0x20, "VC_FLAG_TAILS": 0x100,
         "VC_FLAG_REPLICA": 0x200}

E = POINTER(Error)
T = POINTER(Table)


def _fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


vc_version = _fn("vc_version", c_char_p)
vc_strerror = _fn("vc_strerror", c_char_p, c_int)
vc_hash_string = _fn("vc_hash_string", c_uint64, c_char_p)
vc_dataset_read = _fn("vc_dataset_read", POINTER(Dataset), c_char_p,
                      POINTER(ReadOpts), E)
vc_dataset_parse = _fn("vc_dataset_parse", POINTER(Dataset), c_char_p,
                       c_size_t, c_char_p, POINTER(ReadOpts), E)
vc_dataset_free = _fn("vc_dataset_free", None, POINTER(Dataset))
# the plan of a batch (batch/vc_batch.h); the plan is free()d
vc_batch_plan = _fn("vc_batch_plan", POINTER(BatchUnit), POINTER(Dataset),
                    POINTER(c_char_p), c_size_t, c_uint64,
                    POINTER(c_size_t), POINTER(Error))
libc_free = _fn("free", None, c_void_p)
vc_estimate_warnings = _fn("vc_estimate_warnings", c_size_t, c_uint,
                           POINTER(c_char_p), c_size_t)
vc_headline = _fn("vc_headline", c_size_t, c_char_p, POINTER(Estimate),
                  c_int, c_char_p, c_size_t)
vc_format_count = _fn("vc_format_count", c_size_t, c_double, c_char_p,
                      c_size_t)
_est = POINTER(Estimate)
vc_chapman_estimate = _fn("vc_chapman_estimate", c_int, T, c_size_t,
                          c_size_t, c_double, c_int, _est, E)
vc_petersen_estimate = _fn("vc_petersen_estimate", c_int, T, c_size_t,
                           c_size_t, c_double, c_int, _est, E)
vc_pairwise_chapman = _fn("vc_pairwise_chapman", c_int, T, c_double, c_int,
                          _est, E)
vc_chao_estimate = _fn("vc_chao_estimate", c_int, T, c_double, _est, E)
vc_independence_estimate = _fn("vc_independence_estimate", c_int, T,
                               c_double, c_int, _est, E)
# log-linear
vc_loglin_workspace_alloc = _fn("vc_loglin_workspace_alloc", c_void_p,
                                c_size_t, E)
vc_loglin_workspace_free = _fn("vc_loglin_workspace_free", None, c_void_p)
vc_loglin_model_parse = _fn("vc_loglin_model_parse", c_int, c_char_p,
                            c_size_t, POINTER(c_char_p),
                            POINTER(LoglinModel), E)
vc_loglin_model_format = _fn("vc_loglin_model_format", c_int,
                             POINTER(LoglinModel), POINTER(c_char_p),
                             c_char_p, c_size_t, E)
vc_loglin_fit = _fn("vc_loglin_fit", c_int, T, POINTER(LoglinModel),
                    POINTER(LoglinResult), c_void_p, POINTER(LoglinResult),
                    POINTER(c_double), c_void_p, E)
vc_loglin_pearson = _fn("vc_loglin_pearson", c_int, T, POINTER(c_double),
                        POINTER(c_double), E)
vc_loglin_gof = _fn("vc_loglin_gof", c_int, POINTER(LoglinResult),
                    POINTER(c_double), POINTER(c_double), E)
vc_loglin_stepwise = _fn("vc_loglin_stepwise", c_int, T, c_double,
                         POINTER(LoglinResult), c_void_p, E)
vc_loglin_enumerate = _fn("vc_loglin_enumerate", c_int, T, c_int, c_size_t,
                          POINTER(LoglinRanked), POINTER(LoglinEnumSummary),
                          E)
vc_loglin_estimate = _fn("vc_loglin_estimate", c_int, POINTER(LoglinResult),
                         c_double, _est, E)
vc_loglin_profile_ci = _fn("vc_loglin_profile_ci", c_int, T,
                           POINTER(LoglinModel), c_double, c_double,
                           POINTER(c_double), POINTER(c_double),
                           POINTER(c_uint), c_void_p, E)
vc_loglin_boot_opts_default = _fn("vc_loglin_boot_opts_default", None,
                                  POINTER(LoglinBootOpts))
vc_loglin_bootstrap = _fn("vc_loglin_bootstrap", c_int, T,
                          POINTER(LoglinBootOpts), POINTER(LoglinBootResult),
                          POINTER(c_double), E)
vc_loglin_boot_flags = _fn("vc_loglin_boot_flags", c_uint,
                           POINTER(LoglinBootResult), c_double)
# latent classes
vc_lcm_opts_default = _fn("vc_lcm_opts_default", None, POINTER(LcmOpts))
vc_lcm_opts_check = _fn("vc_lcm_opts_check", c_int, POINTER(LcmOpts), T, E)
vc_lcm_chains_alloc = _fn("vc_lcm_chains_alloc", c_void_p, T,
                          POINTER(LcmOpts), E)
vc_lcm_chains_round = _fn("vc_lcm_chains_round", c_int, c_void_p, c_uint64,
                          E)
vc_lcm_chains_count = _fn("vc_lcm_chains_count", c_size_t, c_void_p)
vc_lcm_chains_sweeps = _fn("vc_lcm_chains_sweeps", c_uint64, c_void_p)
vc_lcm_chains_trace = _fn("vc_lcm_chains_trace", POINTER(LcmTrace),
                          c_void_p, c_size_t)
vc_lcm_chains_summary = _fn("vc_lcm_chains_summary", c_int, c_void_p,
                            POINTER(LcmSummary), E)
vc_lcm_chains_splitmerge_counts = _fn("vc_lcm_chains_splitmerge_counts",
                                      c_int, c_void_p, c_size_t,
                                      POINTER(LcmSplitmergeCounts))
vc_lcm_chains_hybrid_counts = _fn("vc_lcm_chains_hybrid_counts", c_int,
                                  c_void_p, POINTER(LcmHybridCounts))
vc_lcm_chains_free = _fn("vc_lcm_chains_free", None, c_void_p)
vc_lcm_summary_estimate = _fn("vc_lcm_summary_estimate", None,
                              POINTER(LcmSummary), _est)
# graph averaging
vc_dga_fit = _fn("vc_dga_fit", POINTER(DgaResult), T, POINTER(DgaOpts), E)
vc_dga_mcmc_opts_default = _fn("vc_dga_mcmc_opts_default", None,
                               POINTER(DgaMcmcOpts))
vc_dga_mcmc_fit = _fn("vc_dga_mcmc_fit", POINTER(DgaResult), T,
                      POINTER(DgaOpts), POINTER(DgaMcmcOpts), E)
vc_dga_estimate = _fn("vc_dga_estimate", None, POINTER(DgaResult), c_double,
                      _est)
vc_dga_result_free = _fn("vc_dga_result_free", None, POINTER(DgaResult))
# model checks (issue 17)
vc_lcm_chains_ppc = _fn("vc_lcm_chains_ppc", c_int, c_void_p, POINTER(Ppc),
                        E)
vc_dga_ppc = _fn("vc_dga_ppc", c_int, T, POINTER(DgaOpts),
                 POINTER(DgaResult), c_uint64, c_uint64, c_size_t,
                 POINTER(Ppc), E)
vc_check_verdict = _fn("vc_check_verdict", c_int, c_int, c_uint, c_double,
                       c_char_p, c_char_p, c_size_t)
