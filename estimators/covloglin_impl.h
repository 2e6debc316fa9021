/*
 * covloglin_impl.h: declarations shared by the files of the log-linear
 * models with covariates (covfit.c, covboot.c); not part of the public
 * API.
 */
#ifndef VC_COVLOGLIN_IMPL_H
#define VC_COVLOGLIN_IMPL_H

#include "estimators/vc_covloglin.h"

/*
 * EM over missing covariate values (Dempster, Laird & Rubin 1977; for
 * capture-recapture with partially observed covariates, Zwane & van der
 * Heijden 2007, and the MSEincomplete approach of Cruyff and colleagues):
 * the fully classified counts y (ct->ncell) and, per missingness type t
 * of ct, the counts ymiss[t] (ct->type_ncomb[t] << J, indexed as
 * ct->ymiss).  Missing at random given the capture pattern: the E-step
 * gives each person with a missing value to the cells he may belong to in
 * proportion to their fitted means; the M-step fits m to the completed
 * table.  res's loglik, AIC, AICc and BIC are those of the observed data;
 * w holds the completed table for vc_covloglin_group.
 */
int vci_cov_fit_em(const vc_covtable *ct, const double *y,
                   double *const *ymiss, const vc_covloglin_model *m,
                   vc_covloglin_result *res, double *fitted,
                   vc_covloglin_workspace *w, vc_error *err);

#endif /* VC_COVLOGLIN_IMPL_H */
