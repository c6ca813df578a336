/* stamp: the tiny agent of the start-up benchmarks.
 * Prints CLOCK_MONOTONIC in nanoseconds ("%llu\n") on stdout, first thing,
 * and exits 0. startlat subtracts the time it took just before fork(), so the
 * difference is "exec of the init -> the agent running". Static (musl), no
 * stdio, so its own start-up is as small as a program's can be. */
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec ts;
	char buf[32];
	char *p = buf + sizeof(buf);
	unsigned long long ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
	*--p = '\n';
	do {
		*--p = (char)('0' + ns % 10);
		ns /= 10;
	} while (ns);
	return write(1, p, (size_t)(buf + sizeof(buf) - p)) < 0;
}
