/*
 * data_impl.h: what every file of the data module shares (table.c and the
 * CSV reader's csv*.c, whose own insides are in csv_impl.h); not part of
 * the public API.
 */
#ifndef VC_DATA_IMPL_H
#define VC_DATA_IMPL_H

#include <stddef.h>

/* Free the first n strings of v, then v itself; v may be NULL. */
void vci_data_free_strings(char **v, size_t n);

#endif /* VC_DATA_IMPL_H */
