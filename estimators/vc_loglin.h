/*
 * vc_loglin.h: log-linear multiple-systems estimation (part of the
 * estimators module; included by vc_estimators.h).
 */
#ifndef VC_LOGLIN_H
#define VC_LOGLIN_H

#endif /* VC_LOGLIN_H */
