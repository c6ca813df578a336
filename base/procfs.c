#include "procfs.h"

#include <stdint.h>
#include <unistd.h>

int procfs_is_ours(void)
{
	char buf[16];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	long pid = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] < '0' || buf[i] > '9' || pid > (INT32_MAX - 9) / 10)
			return 0;
		pid = pid * 10 + (buf[i] - '0');
	}
	return pid == (long)getpid();
}
