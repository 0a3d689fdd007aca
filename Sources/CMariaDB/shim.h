#ifndef CMARIADB_SHIM_H
#define CMARIADB_SHIM_H
#include <mysql.h>

// `mysql_library_init` is a macro alias of `mysql_server_init`, which Swift does not import as a function:
// call it through this wrapper, once per process, before any connection thread starts.
static inline int cmariadb_library_init(void) {
    return mysql_library_init(0, (char **)0, (char **)0);
}
#endif
