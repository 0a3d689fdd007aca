#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
#include <libpq-fe.h>
#include <poll.h>
#include <errno.h>

/* PG_DIAG_* are character-literal macros; read the fields through functions Swift can call. */
static inline const char *clibpq_result_sqlstate(const PGresult *result) {
    return PQresultErrorField(result, PG_DIAG_SQLSTATE);
}

static inline const char *clibpq_result_message(const PGresult *result) {
    return PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
}

static inline void clibpq_ignore_notice(void *argument, const char *message) {
    (void)argument;
    (void)message;
}

/* Server notices (e.g. "schema already exists, skipping") are not errors; libpq prints them to stderr by default. */
static inline void clibpq_silence_notices(PGconn *connection) {
    PQsetNoticeProcessor(connection, clibpq_ignore_notice, NULL);
}

/* Waits until the connection's socket is readable (events = POLLIN) or writable (POLLOUT).
 * Returns 1 when ready, 0 on timeout, -1 on error. timeout_ms < 0 waits forever. Retries on EINTR. */
static inline int clibpq_wait_socket(const PGconn *connection, short events, int timeout_ms) {
    int fd = PQsocket(connection);
    if (fd < 0) return -1;
    struct pollfd item;
    item.fd = fd;
    item.events = events;
    item.revents = 0;
    for (;;) {
        int ready = poll(&item, 1, timeout_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return -1;
        return ready > 0 ? 1 : 0;
    }
}
#endif
