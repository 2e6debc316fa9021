/*
 * lazylib.c: the libraries that only some commands use (cairo for the
 * report's figures, libmicrohttpd and SQLite for `serve`, GLPK for the
 * log-linear fits' existence check, ICU for record linkage), loaded with
 * dlopen at their first call instead of at every start of the command.
 *
 * Why: the dynamic loader maps and relocates every library a binary
 * needs before main(), and these bring about thirty more with them
 * (pixman, freetype, fontconfig, X11 for cairo; GnuTLS, gmp, p11-kit for
 * libmicrohttpd; libstdc++ and ICU's 30 MB of data; SuiteSparse for
 * GLPK): most of the start-up of `victimcount --version`
 * (bench/RESULTS.md), paid by every `estimate`.
 *
 * How: this file defines each function the CLI and the library it links
 * call, with the library's own prototype (its header is included, so a
 * wrong one does not compile); each forwards to the function of the real
 * library, found with dlsym once per library (pthread_once: `serve` calls
 * SQLite from several threads).  With these definitions in the binary, the
 * link's --as-needed drops these libraries from its dependencies.
 * libvictimcount.so itself still links them as usual (its users, the
 * bindings, are unchanged).  A library that cannot be loaded is a broken
 * installation: the command says which and exits with status 70
 * (EX_SOFTWARE).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-svg.h>
#include <cairo.h>
#include <glpk.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/uvernum.h>

/* The run-time names (sonames) of Debian 12's libcairo2,
 * libmicrohttpd12, libsqlite3-0 and libglpk40, the packages behind the
 * -dev ones the Makefile installs; ICU's carries its major version, which
 * its headers state (and every ICU function name carries, through the
 * headers' renaming macros). */
#define CAIRO_SONAME "libcairo.so.2"
#define MHD_SONAME "libmicrohttpd.so.12"
#define SQLITE_SONAME "libsqlite3.so.0"
#define GLPK_SONAME "libglpk.so.40"
#define ICU_SONAME "libicuuc.so." U_ICU_VERSION_SHORT

/* The functions used, as X(return type, name, (parameters), (arguments))
 * for those that return a value and V(name, (parameters), (arguments))
 * for void ones. */
#define CAIRO_FUNCS(X, V)                                                   \
    V(cairo_arc, (cairo_t * cr, double xc, double yc, double radius,       \
                  double angle1, double angle2),                           \
      (cr, xc, yc, radius, angle1, angle2))                                \
    V(cairo_close_path, (cairo_t * cr), (cr))                              \
    X(cairo_t *, cairo_create, (cairo_surface_t * target), (target))       \
    V(cairo_destroy, (cairo_t * cr), (cr))                                 \
    V(cairo_fill, (cairo_t * cr), (cr))                                    \
    X(cairo_surface_t *, cairo_image_surface_create,                       \
      (cairo_format_t format, int width, int height),                      \
      (format, width, height))                                             \
    V(cairo_line_to, (cairo_t * cr, double x, double y), (cr, x, y))       \
    V(cairo_move_to, (cairo_t * cr, double x, double y), (cr, x, y))       \
    V(cairo_paint, (cairo_t * cr), (cr))                                   \
    V(cairo_rectangle,                                                     \
      (cairo_t * cr, double x, double y, double width, double height),     \
      (cr, x, y, width, height))                                           \
    V(cairo_scale, (cairo_t * cr, double sx, double sy), (cr, sx, sy))     \
    V(cairo_select_font_face,                                              \
      (cairo_t * cr, const char *family, cairo_font_slant_t slant,         \
       cairo_font_weight_t weight),                                        \
      (cr, family, slant, weight))                                         \
    V(cairo_set_font_size, (cairo_t * cr, double size), (cr, size))        \
    V(cairo_set_line_width, (cairo_t * cr, double width), (cr, width))     \
    V(cairo_set_source_rgb,                                                \
      (cairo_t * cr, double red, double green, double blue),               \
      (cr, red, green, blue))                                              \
    V(cairo_show_text, (cairo_t * cr, const char *utf8), (cr, utf8))       \
    X(cairo_status_t, cairo_status, (cairo_t * cr), (cr))                  \
    X(const char *, cairo_status_to_string, (cairo_status_t status),       \
      (status))                                                            \
    V(cairo_stroke, (cairo_t * cr), (cr))                                  \
    V(cairo_surface_destroy, (cairo_surface_t * surface), (surface))       \
    V(cairo_surface_finish, (cairo_surface_t * surface), (surface))        \
    V(cairo_surface_flush, (cairo_surface_t * surface), (surface))         \
    X(cairo_status_t, cairo_surface_status, (cairo_surface_t * surface),   \
      (surface))                                                           \
    X(cairo_surface_t *, cairo_svg_surface_create_for_stream,              \
      (cairo_write_func_t write_func, void *closure, double width_in_points, \
       double height_in_points),                                           \
      (write_func, closure, width_in_points, height_in_points))            \
    V(cairo_svg_surface_restrict_to_version,                               \
      (cairo_surface_t * surface, cairo_svg_version_t version),            \
      (surface, version))                                                  \
    X(cairo_status_t, cairo_surface_write_to_png_stream,                   \
      (cairo_surface_t * surface, cairo_write_func_t write_func,           \
       void *closure),                                                     \
      (surface, write_func, closure))                                      \
    V(cairo_text_extents,                                                  \
      (cairo_t * cr, const char *utf8, cairo_text_extents_t *extents),     \
      (cr, utf8, extents))

/* MHD_start_daemon, MHD_get_connection_info and MHD_get_daemon_info are
 * variadic: written out below. */
#define MHD_FUNCS(X, V)                                                     \
    X(enum MHD_Result, MHD_add_response_header,                            \
      (struct MHD_Response * response, const char *header,                 \
       const char *content),                                               \
      (response, header, content))                                         \
    X(struct MHD_PostProcessor *, MHD_create_post_processor,               \
      (struct MHD_Connection * connection, size_t buffer_size,             \
       MHD_PostDataIterator iter, void *iter_cls),                         \
      (connection, buffer_size, iter, iter_cls))                           \
    X(struct MHD_Response *, MHD_create_response_from_buffer,              \
      (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode),       \
      (size, buffer, mode))                                                \
    X(enum MHD_Result, MHD_destroy_post_processor,                         \
      (struct MHD_PostProcessor * pp), (pp))                               \
    V(MHD_destroy_response, (struct MHD_Response * response), (response))  \
    X(const char *, MHD_lookup_connection_value,                           \
      (struct MHD_Connection * connection, enum MHD_ValueKind kind,        \
       const char *key),                                                   \
      (connection, kind, key))                                             \
    X(enum MHD_Result, MHD_post_process,                                   \
      (struct MHD_PostProcessor * pp, const char *post_data,               \
       size_t post_data_len),                                              \
      (pp, post_data, post_data_len))                                      \
    X(enum MHD_Result, MHD_queue_response,                                 \
      (struct MHD_Connection * connection, unsigned int status_code,       \
       struct MHD_Response *response),                                     \
      (connection, status_code, response))                                 \
    V(MHD_stop_daemon, (struct MHD_Daemon * daemon), (daemon))             \
    X(struct MHD_Daemon *, MHD_start_daemon_va,                            \
      (unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,    \
       void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls,          \
       va_list ap),                                                        \
      (flags, port, apc, apc_cls, dh, dh_cls, ap))                         \
    X(const union MHD_ConnectionInfo *, MHD_get_connection_info,           \
      (struct MHD_Connection * connection,                                 \
       enum MHD_ConnectionInfoType info_type, ...),                        \
      (connection, info_type))                                             \
    X(const union MHD_DaemonInfo *, MHD_get_daemon_info,                   \
      (struct MHD_Daemon * daemon, enum MHD_DaemonInfoType info_type, ...), \
      (daemon, info_type))

#define SQLITE_FUNCS(X, V)                                                  \
    X(int, sqlite3_bind_blob,                                              \
      (sqlite3_stmt * st, int i, const void *p, int n, void (*d)(void *)), \
      (st, i, p, n, d))                                                    \
    X(int, sqlite3_bind_int, (sqlite3_stmt * st, int i, int v),            \
      (st, i, v))                                                          \
    X(int, sqlite3_bind_int64, (sqlite3_stmt * st, int i, sqlite3_int64 v),\
      (st, i, v))                                                          \
    X(int, sqlite3_bind_null, (sqlite3_stmt * st, int i), (st, i))         \
    X(int, sqlite3_bind_text,                                              \
      (sqlite3_stmt * st, int i, const char *p, int n, void (*d)(void *)), \
      (st, i, p, n, d))                                                    \
    X(int, sqlite3_busy_timeout, (sqlite3 * db, int ms), (db, ms))         \
    X(int, sqlite3_changes, (sqlite3 * db), (db))                          \
    X(int, sqlite3_close, (sqlite3 * db), (db))                            \
    X(int, sqlite3_close_v2, (sqlite3 * db), (db))                         \
    X(const void *, sqlite3_column_blob, (sqlite3_stmt * st, int i),       \
      (st, i))                                                             \
    X(int, sqlite3_column_bytes, (sqlite3_stmt * st, int i), (st, i))      \
    X(int, sqlite3_column_int, (sqlite3_stmt * st, int i), (st, i))        \
    X(sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt * st, int i),     \
      (st, i))                                                             \
    X(const unsigned char *, sqlite3_column_text,                          \
      (sqlite3_stmt * st, int i), (st, i))                                 \
    X(int, sqlite3_column_type, (sqlite3_stmt * st, int i), (st, i))       \
    X(const char *, sqlite3_errmsg, (sqlite3 * db), (db))                  \
    X(int, sqlite3_exec,                                                   \
      (sqlite3 * db, const char *sql,                                      \
       int (*callback)(void *, int, char **, char **), void *arg,          \
       char **errmsg),                                                     \
      (db, sql, callback, arg, errmsg))                                    \
    X(int, sqlite3_extended_result_codes, (sqlite3 * db, int onoff),       \
      (db, onoff))                                                         \
    X(int, sqlite3_finalize, (sqlite3_stmt * st), (st))                    \
    V(sqlite3_free, (void *p), (p))                                        \
    X(int, sqlite3_open_v2,                                                \
      (const char *filename, sqlite3 **db, int flags, const char *vfs),    \
      (filename, db, flags, vfs))                                          \
    X(int, sqlite3_prepare_v2,                                             \
      (sqlite3 * db, const char *sql, int n, sqlite3_stmt **st,            \
       const char **tail),                                                 \
      (db, sql, n, st, tail))                                              \
    X(int, sqlite3_step, (sqlite3_stmt * st), (st))                        \
    X(int, sqlite3_wal_checkpoint_v2,                                      \
      (sqlite3 * db, const char *name, int mode, int *nlog, int *nckpt),   \
      (db, name, mode, nlog, nckpt))

/* GLPK, for the existence check of the log-linear fits
 * (estimators/exist.c, covfit.c). */
#define GLPK_FUNCS(X, V)                                                    \
    X(int, glp_add_cols, (glp_prob * P, int ncs), (P, ncs))                \
    X(int, glp_add_rows, (glp_prob * P, int nrs), (P, nrs))                \
    X(glp_prob *, glp_create_prob, (void), ())                             \
    V(glp_delete_prob, (glp_prob * P), (P))                                \
    X(double, glp_get_obj_val, (glp_prob * P), (P))                        \
    X(int, glp_get_status, (glp_prob * P), (P))                            \
    V(glp_init_smcp, (glp_smcp * parm), (parm))                            \
    V(glp_load_matrix,                                                     \
      (glp_prob * P, int ne, const int ia[], const int ja[],               \
       const double ar[]),                                                 \
      (P, ne, ia, ja, ar))                                                 \
    V(glp_set_col_bnds,                                                    \
      (glp_prob * P, int j, int type, double lb, double ub),               \
      (P, j, type, lb, ub))                                                \
    V(glp_set_obj_coef, (glp_prob * P, int j, double coef), (P, j, coef))  \
    V(glp_set_obj_dir, (glp_prob * P, int dir), (P, dir))                  \
    V(glp_set_row_bnds,                                                    \
      (glp_prob * P, int i, int type, double lb, double ub),               \
      (P, i, type, lb, ub))                                                \
    X(int, glp_simplex, (glp_prob * P, const glp_smcp *parm), (P, parm))

/* ICU, for the normalisation of names in record linkage
 * (link/normalise.c). */
#define ICU_FUNCS(X, V)                                                     \
    X(const char *, u_errorName, (UErrorCode code), (code))                \
    X(UBool, u_isUWhiteSpace, (UChar32 c), (c))                            \
    X(UBool, u_isalpha, (UChar32 c), (c))                                  \
    X(UChar *, u_strFromUTF8,                                              \
      (UChar * dest, int32_t destCapacity, int32_t *pDestLength,           \
       const char *src, int32_t srcLength, UErrorCode *pErrorCode),        \
      (dest, destCapacity, pDestLength, src, srcLength, pErrorCode))       \
    X(int32_t, unorm2_getDecomposition,                                    \
      (const UNormalizer2 *norm2, UChar32 c, UChar *decomposition,         \
       int32_t capacity, UErrorCode *pErrorCode),                          \
      (norm2, c, decomposition, capacity, pErrorCode))                     \
    X(const UNormalizer2 *, unorm2_getNFDInstance,                         \
      (UErrorCode * pErrorCode), (pErrorCode))                             \
    X(const UNormalizer2 *, unorm2_getNFKCCasefoldInstance,                \
      (UErrorCode * pErrorCode), (pErrorCode))                             \
    X(int32_t, unorm2_normalize,                                           \
      (const UNormalizer2 *norm2, const UChar *src, int32_t length,        \
       UChar *dest, int32_t capacity, UErrorCode *pErrorCode),             \
      (norm2, src, length, dest, capacity, pErrorCode))

/* Per library: a table of pointers, its pthread_once and loader. */
#define PTR_X(ret, name, params, args) ret(*name) params;
#define PTR_V(name, params, args) void(*name) params;
#define STR_(x) #x
#define STR(x) STR_(x) /* after macro expansion: ICU's versioned names */
#define SYM_X(ret, name, params, args) lazy_sym(h, soname, STR(name),      \
                                                &t->name, sizeof t->name);
#define SYM_V(name, params, args) SYM_X(void, name, params, args)

/* dlsym's object pointer into a function pointer of size size at dst
 * (POSIX guarantees the representations agree; ISO C has no cast). */
static void lazy_sym(void *h, const char *soname, const char *name,
                     void *dst, size_t size)
{
    void *p = dlsym(h, name);
    if (p == NULL) {
        fprintf(stderr, "victimcount: %s has no %s (%s); reinstall it\n",
                soname, name, dlerror());
        exit(70);
    }
    memcpy(dst, &p, size);
}

static void *lazy_open(const char *soname)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "victimcount: cannot load %s (%s); this command "
                "needs it: reinstall it\n", soname, dlerror());
        exit(70);
    }
    return h;
}

#define LAZY_LIB(lib, FUNCS, soname_)                                       \
    static struct { FUNCS(PTR_X, PTR_V) } lib##_tab;                        \
    static pthread_once_t lib##_once = PTHREAD_ONCE_INIT;                   \
    static void lib##_load(void)                                            \
    {                                                                       \
        const char *soname = soname_;                                       \
        void *h = lazy_open(soname);                                        \
        __typeof__(lib##_tab) *t = &lib##_tab;                              \
        FUNCS(SYM_X, SYM_V)                                                 \
    }                                                                       \
    static __typeof__(lib##_tab) *lib##_get(void)                           \
    {                                                                       \
        pthread_once(&lib##_once, lib##_load);                              \
        return &lib##_tab;                                                  \
    }

LAZY_LIB(cairo, CAIRO_FUNCS, CAIRO_SONAME)
LAZY_LIB(mhd, MHD_FUNCS, MHD_SONAME)
LAZY_LIB(sqlite, SQLITE_FUNCS, SQLITE_SONAME)
LAZY_LIB(glpk, GLPK_FUNCS, GLPK_SONAME)
LAZY_LIB(icu, ICU_FUNCS, ICU_SONAME)

/* The forwarding definitions. */
#define CAIRO_X(ret, name, params, args)                                    \
    ret name params { return cairo_get()->name args; }
#define CAIRO_V(name, params, args)                                         \
    void name params { cairo_get()->name args; }
#define SQLITE_X(ret, name, params, args)                                   \
    ret name params { return sqlite_get()->name args; }
#define SQLITE_V(name, params, args)                                        \
    void name params { sqlite_get()->name args; }
#define MHD_X(ret, name, params, args)                                      \
    ret name params { return mhd_get()->name args; }
#define MHD_V(name, params, args)                                           \
    void name params { mhd_get()->name args; }
#define GLPK_X(ret, name, params, args)                                     \
    ret name params { return glpk_get()->name args; }
#define GLPK_V(name, params, args)                                          \
    void name params { glpk_get()->name args; }
#define ICU_X(ret, name, params, args)                                      \
    ret name params { return icu_get()->name args; }
#define ICU_V(name, params, args)                                           \
    void name params { icu_get()->name args; }

CAIRO_FUNCS(CAIRO_X, CAIRO_V)
GLPK_FUNCS(GLPK_X, GLPK_V)
ICU_FUNCS(ICU_X, ICU_V)
SQLITE_FUNCS(SQLITE_X, SQLITE_V)
MHD_FUNCS(MHD_X, MHD_V)

/* The variadic one that takes its options after dh_cls: the rest of the
 * list goes on as a va_list.  (MHD_get_connection_info and
 * MHD_get_daemon_info above pass no optional arguments on: the CLI asks
 * only for kinds of information that take none.) */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
                                    MHD_AcceptPolicyCallback apc,
                                    void *apc_cls,
                                    MHD_AccessHandlerCallback dh,
                                    void *dh_cls, ...)
{
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = MHD_start_daemon_va(flags, port, apc, apc_cls,
                                               dh, dh_cls, ap);
    va_end(ap);
    return d;
}
