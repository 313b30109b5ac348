/* clock.h: the process's clocks and resource use (base module, src/base/clock.c). Seconds as
 * double; fs_now is monotonic (for durations), fs_wall_time the epoch time (for timestamps).
 * Thread-safe; cannot fail (a failing getrusage gives 0). */
#ifndef FS_CLOCK_H
#define FS_CLOCK_H

#include <stddef.h>

double fs_now(void);
double fs_wall_time(void);
/* Peak resident set size of this process in bytes (from getrusage). */
size_t fs_peak_rss(void);

#endif
