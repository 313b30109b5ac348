/* log.c: see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static LogLevel level = LOG_LVL_INFO;
static int rank = -1;
static double t0 = -1;
static LogSink sink;
static void *sink_user;
static const char *names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void log_init(void)
{
    t0 = fs_now();
    const char *e = getenv("FSWEEP_LOG");
    if (!e) return;
    for (int i = 0; i < 4; i++)
        if (strcasecmp(e, names[i]) == 0) level = (LogLevel)i;
}
void log_set_level(LogLevel lvl) { level = lvl; }
LogLevel log_get_level(void) { return level; }
void log_set_rank(int r) { rank = r; }
void log_set_sink(LogSink s, void *user)
{
    sink = s;
    sink_user = user;
}

void log_emit(LogLevel lvl, const char *file, int line, const char *fmt, ...)
{
    if (lvl > level) return;
    if (t0 < 0) t0 = fs_now();
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    char msg[2048], out[2400], rk[16] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (rank >= 0) snprintf(rk, sizeof rk, " r%d", rank);
    snprintf(out, sizeof out, "%8.1fs%s %s:%d %s %s", fs_now() - t0, rk, base, line, names[lvl],
             msg);
    if (sink)
        sink(lvl, out, sink_user);
    else
        fprintf(stderr, "%s\n", out);
}
