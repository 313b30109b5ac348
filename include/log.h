/* log.h: leveled logging with a rank prefix and a replaceable sink (STYLE 3.10).
 * Lines look like:  "  12.4s r0 sched.c:142 INFO task 17 done"  (time since log_init).
 * The level comes from log_set_level or the FSWEEP_LOG environment variable
 * (error|warn|info|debug). Thread-safe enough for our use: one line per fprintf. */
#ifndef FS_LOG_H
#define FS_LOG_H

#include "util.h"

typedef enum { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG } LogLevel;

typedef void (*LogSink)(LogLevel lvl, const char *line, void *user);

void log_init(void);                 /* reads FSWEEP_LOG; starts the clock */
void log_set_level(LogLevel lvl);
LogLevel log_get_level(void);
void log_set_rank(int rank);         /* -1: no rank prefix (serial) */
void log_set_sink(LogSink sink, void *user); /* NULL restores stderr */
void log_emit(LogLevel lvl, const char *file, int line, const char *fmt, ...) FS_PRINTF(4, 5);

#define LOG_ERROR(...) log_emit(LOG_LVL_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define LOG_WARN(...) log_emit(LOG_LVL_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define LOG_INFO(...) log_emit(LOG_LVL_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define LOG_DEBUG(...)                                                                             \
    do {                                                                                           \
        if (log_get_level() >= LOG_LVL_DEBUG) log_emit(LOG_LVL_DEBUG, __FILE__, __LINE__, __VA_ARGS__); \
    } while (0)

#endif
