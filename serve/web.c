/*
 * web.c: the pages for people (plain HTML, no JavaScript).
 */
#include <stdlib.h>
#include <string.h>

#include "serve/http.h"

enum MHD_Result vcsi_web(vcs_server *srv, struct MHD_Connection *c,
                         const char *url, const char *method,
                         const char *body, size_t len, const char *client)
{
    (void)srv;
    (void)url;
    (void)method;
    (void)body;
    (void)len;
    (void)client;
    return vcsi_error(c, MHD_HTTP_NOT_FOUND, "not found", NULL);
}
