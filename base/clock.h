/* clock: the monotonic clock, in the units jailinit counts in (timeouts in
 * milliseconds, the -vvv trace in microseconds). CLOCK_MONOTONIC cannot
 * fail on Linux; it never jumps with the wall clock. */
#ifndef JAILINIT_CLOCK_H
#define JAILINIT_CLOCK_H

#include <time.h>

static inline long long clock_mono_us(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline long long clock_mono_ms(void)
{
	return clock_mono_us() / 1000;
}

#endif
