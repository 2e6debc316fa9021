/*
 * victimcount.h: the whole public interface of libvictimcount in one
 * include, for programs built against an installed library:
 *
 *     #include <victimcount.h>
 *     cc prog.c $(pkg-config --cflags --libs victimcount)
 *
 * It is installed as include/victimcount/victimcount.h next to the
 * module headers (include/victimcount/core/vc_core.h, ...); pkg-config's
 * Cflags put include/victimcount on the include path, so the modules'
 * own includes ("core/vc_core.h") resolve as they do in the source tree.
 * Every name declared here starts with vc_ or VC_ (tests/install/check.sh
 * checks it).  The library's internal headers (*_impl.h, core/fastmath.h)
 * are not installed.
 */
#ifndef VC_VICTIMCOUNT_H
#define VC_VICTIMCOUNT_H

#include "batch/vc_batch.h"
#include "core/vc_core.h"
#include "core/vc_estimate.h"
#include "data/vc_data.h"
#include "estimators/vc_estimators.h"
#include "estimators/vc_loglin.h"
#include "estimators/vc_covloglin.h"
#include "link/vc_link.h"
#include "models/vc_models.h"
#include "models/vc_dga.h"
#include "models/vc_umbrella.h"
#include "models/vc_ppc.h"
#include "report/vc_report.h"
#include "report/vc_synthesis.h"
#include "sim/vc_sim.h"

#endif /* VC_VICTIMCOUNT_H */
