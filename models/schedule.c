/*
 * schedule.c: what each sampler of the latent class model does, in one
 * place.  The options name a sampler (vc_lcm_opts.sampler); this file
 * turns it, once, into a schedule (vci_lcm_schedule, models/lcm_impl.h) that
 * the chains (chains.c) and the one-chain calls (vc_lcm_iterate) run.
 *
 * One step of a chain:
 *   exchanges between neighbouring replicas, even or odd pairs in turn
 *     (tempering.c; only with several replicas), then one sweep of each
 *     replica (lcm.c, vci_lcm_sweep):
 *   (a)  class allocation of the observed (lcm.c)
 *        split-merge proposals on the classes and N, on every
 *        sm_every-th sweep (splitmerge.c)
 *        label swaps of adjacent classes (splitmerge.c)
 *        the flip of classes 1 and K with alpha, every flip_every-th
 *        sweep (splitmerge.c)
 *   (a') moves of the unseen of a class, unseen_moves of them (lcm.c)
 *   (b)  lambda, (c) the stick-breaking weights, (d) alpha, (e) n0 and
 *        the classes of the unseen (lcm.c)
 *
 * The samplers:
 *
 *   sampler               replicas  split-merge  label  flip      (a')
 *                                   proposals    swaps            a sweep
 *   hybrid (the default)  1         1 a 10,000   yes    every 10  3
 *   gibbs (LCMCR's)       1         -            -      -         -
 *   tempering             R         -            -      -         -
 *   tempering-splitmerge  R         1 a 100      yes    -         -
 *   splitmerge (retired)  1         1 a 100      yes    -         -
 *   (R = vc_lcm_opts.temperatures; "1 a 100": one proposal on every
 *   100th sweep)
 *
 * Every move draws from its replica's own stream (chains.c), so a
 * schedule never changes the reproducibility of the draws.  Every move is
 * a Metropolis-Hastings or Gibbs step that keeps the posterior, so every
 * schedule samples it; they differ in how fast they
 * cross between the configurations that hold plain Gibbs chains (UK,
 * issue 4 and issue 21; bench/RESULTS.md).  Why each number:
 *   - split-merge every 100th sweep (splitmerge, tempering-splitmerge):
 *     a proposal costs about 1 ms on UK (some 70 Gibbs sweeps) and is
 *     accepted about once in 3,000 there; every 10th sweep made a run ten
 *     times slower for the same ESS, every 100th adds about 15%.
 *   - split-merge every 10,000th sweep (hybrid): its other moves do the
 *     work; every 1,000th cost 7% of the CPU time and UK converged without
 *     any; kept, rarely, for tables whose classes need creating or
 *     removing in one step.
 *   - the flip every 10th sweep (hybrid): it is rarely accepted (about
 *     once in 600 on Kosovo) and a flip every sweep made sweeps some 10%
 *     dearer for no better ESS a sweep; escaping UK's high-alpha
 *     configuration needs one accepted flip.
 *   - three moves of the unseen a sweep (hybrid): on Kosovo, fewer sweeps
 *     per ESS of N than one move, for sweeps 3% dearer; six or ten cost
 *     more than they gain.
 * The measurements behind each are in bench/HISTORY.md ("Branch
 * splitmerge", "Version 0.3.0: the hybrid sampler", "Version 0.3.1"); the
 * samplers' current figures in bench/RESULTS.md ("The samplers
 * compared").
 *
 * Kept: gibbs, LCMCR's own sweep, to compare with LCMCR and as the
 * cheapest sweep where it mixes; tempering and tempering-splitmerge, the
 * only route between regions of N other than the hybrid's own moves, and
 * the one the summary checks replica by replica (VC_FLAG_REPLICA).
 * They cost a sweep per replica (8 by default).  On UK plain tempering's
 * chains put more draws below N = 15,000 than the hybrid and umbrella
 * sampling support (issue 21): its target is exact, but its replicas
 * have no label swaps or flip, so the ladder keeps the high-alpha
 * configurations that Gibbs sweeps leave only after 10^4-10^6 sweeps
 * (mean alpha up to 5.9 in a replica, 0.04-0.17 with the two moves) and
 * the exchanges bring them to the cold chain; with the hybrid's label
 * swaps and flip in every replica the same exchanges agree with the
 * umbrella figure (bench/RESULTS.md, "Issue 21";
 * bench/bench_lcm_excursion.c).  Kept as they are, since the golden
 * outputs fix their draws; the tail test flags such runs.
 *
 * Retired: splitmerge.  The hybrid makes its label swaps and split-merge
 * proposals, and adds the moves of the unseen and the flip; measured, a
 * user gains nothing from it (bench/RESULTS.md, "The samplers compared";
 * bench/HISTORY.md): on Kosovo at the CLI defaults it gave 101-226 ESS/s
 * where plain Gibbs gave 194-291 in the same runs (a split-merge proposal
 * costs about 1 ms), while the hybrid gives about twice Gibbs' ESS/s; on
 * UK at the defaults it failed one seed of seven (R-hat 1.38) and with
 * --until-converged took up to 200,000 sweeps and 11.2 s, where the hybrid
 * converged on 12 of 12 seeds within 4.4 s; and it was never checked
 * against the umbrella estimate of issue 21.  Its schedule stays here for
 * the tests and bench_lcm_uk, which keep it as a reference.
 */
#include "models/lcm_impl.h"

/* The hybrid's periods and counts (see above). */
#define VCI_SM_EVERY 100
#define VCI_HYBRID_SM_EVERY 10000
#define VCI_SM_MOVES 1
#define VCI_FLIP_EVERY 10
#define VCI_UNSEEN_MOVES 3

static const struct {
    int sampler;
    int tempered;            /* replicas = o->temperatures */
    const char *retired;     /* why, naming the replacement; NULL: in use */
    vci_lcm_schedule sweep;  /* replicas set by vci_lcm_schedule_of */
} samplers[] = {
    {VC_LCM_SAMPLER_HYBRID, 0, NULL,
     {.name = "hybrid", .sm_every = VCI_HYBRID_SM_EVERY,
      .sm_moves = VCI_SM_MOVES, .label_swaps = 1,
      .flip_every = VCI_FLIP_EVERY, .unseen_moves = VCI_UNSEEN_MOVES}},
    {VC_LCM_SAMPLER_GIBBS, 0, NULL, {.name = "gibbs"}},
    {VC_LCM_SAMPLER_TEMPERING, 1, NULL, {.name = "tempering"}},
    {VC_LCM_SAMPLER_TEMPERING_SPLITMERGE, 1, NULL,
     {.name = "tempering-splitmerge", .sm_every = VCI_SM_EVERY,
      .sm_moves = VCI_SM_MOVES, .label_swaps = 1}},
    {VC_LCM_SAMPLER_SPLITMERGE, 0,
     "the splitmerge sampler is retired: the hybrid sampler (the "
     "default) makes the same label swaps and split-merge proposals, "
     "with moves of the unseen and the flip of classes, and converged on "
     "the reference tables where splitmerge did not",
     {.name = "splitmerge", .sm_every = VCI_SM_EVERY,
      .sm_moves = VCI_SM_MOVES, .label_swaps = 1}},
};

int vci_lcm_schedule_of(const vc_lcm_opts *o, int retired_ok,
                        vci_lcm_schedule *s, vc_error *err)
{
    for (size_t i = 0; i < sizeof samplers / sizeof *samplers; i++) {
        if (samplers[i].sampler != o->sampler) {
            continue;
        }
        if (samplers[i].retired != NULL && !retired_ok) {
            return vc_error_set(err, VC_EINVAL, "%s", samplers[i].retired);
        }
        if (samplers[i].tempered
            && (o->temperatures < 2 || o->temperatures > 64
                || !(o->beta_min > 0.0 && o->beta_min < 1.0))) {
            return vc_error_set(err, VC_EINVAL,
                                "tempering with %zu temperatures down to "
                                "beta = %g: expected 2 to 64 temperatures "
                                "and beta in (0, 1)",
                                o->temperatures, o->beta_min);
        }
        *s = samplers[i].sweep;
        s->replicas = samplers[i].tempered ? o->temperatures : 1;
        return VC_OK;
    }
    return vc_error_set(err, VC_EINVAL, "sampler = %d: expected %d "
                        "(gibbs), %d (tempering), %d "
                        "(tempering-splitmerge) or %d (hybrid)",
                        o->sampler, VC_LCM_SAMPLER_GIBBS,
                        VC_LCM_SAMPLER_TEMPERING,
                        VC_LCM_SAMPLER_TEMPERING_SPLITMERGE,
                        VC_LCM_SAMPLER_HYBRID);
}
