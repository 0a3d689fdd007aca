#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H
// Included by path from /usr/include, not through pkg-config: hiredis.pc adds -D_FILE_OFFSET_BITS=64,
// which SwiftPM rejects with a warning (harmless on x86_64, where off_t is already 64-bit).
#include <hiredis/hiredis.h>
#endif
