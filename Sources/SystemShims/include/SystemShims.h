#ifndef ARTIFACT_STORE_SYSTEM_SHIMS_H
#define ARTIFACT_STORE_SYSTEM_SHIMS_H

#include <stdint.h>

/// Starts writeback of a file range without waiting for it (Linux `sync_file_range` with
/// SYNC_FILE_RANGE_WRITE; a no-op elsewhere). Returns 0 or -1 with errno set.
int artifact_store_start_writeback(int fd, int64_t offset, int64_t length);

/// `mkostemp(template, O_CLOEXEC)`: creates and opens a new file from a `…XXXXXX` template,
/// close-on-exec from the start (no window in which a child could inherit it). Returns the
/// descriptor, or -1 with errno set.
int artifact_store_make_temporary_file(char *template_path);

/// Writes every change to the file system that holds `fd` to its disk and waits for it (Linux
/// `syncfs`: one flush of the device for all of them). Returns 0, or -1 with errno set (ENOSYS
/// where there is no such call).
int artifact_store_sync_file_system(int fd);

/// Turns off SQLite's memory statistics for the process (`sqlite3_config(SQLITE_CONFIG_MEMSTATUS,
/// 0)`, a variadic call Swift cannot make). Only possible before SQLite starts: returns 0 when
/// done, or SQLite's error (SQLITE_MISUSE once it has started).
int artifact_store_sqlite_memory_statistics_off(void);

#endif
