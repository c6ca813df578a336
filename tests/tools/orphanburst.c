/* orphanburst: makes COUNT orphans for the init above it, and waits until
 * the init has reaped them all.
 *
 *   orphanburst [COUNT]   (default 1000)
 *
 * Forks COUNT children; each forks a grandchild and _exits at once; the
 * grandchild _exits at once too. orphanburst reaps its own children only,
 * so the COUNT grandchildren are re-parented to the init (PID 1, or the
 * nearest subreaper) and it alone can reap them. Then it polls /proc until
 * no process other than itself has the init (its parent) as parent.
 * Prints "orphans=COUNT left=N" and exits 0 when N is 0, 1 when some are
 * still there (zombies or not) after 60 s. Works as the main child of an
 * init that is PID 1 of a PID namespace with its own /proc, or of a
 * subreaper on the host's /proc. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long num(const char *s)
{
	return strtol(s, NULL, 10);
}

/* Processes other than me whose parent is my parent. */
static int count_siblings(void)
{
	pid_t me = getpid(), init = getppid();
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (d == NULL) {
		perror("/proc");
		exit(2);
	}
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512], *p;
		int fd;
		ssize_t len;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' || num(e->d_name) == me)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		p = strrchr(buf, ')');
		if (p != NULL && strlen(p) > 4 && num(p + 4) == init)
			n++;
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? (int)num(argv[1]) : 1000, i, left;
	struct timespec tick = { 0, 10000000L };
	time_t deadline;

	for (i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			if (fork() < 0)
				_exit(3);
			_exit(0);
		}
		if (waitpid(pid, NULL, 0) != pid) {
			perror("waitpid");
			return 2;
		}
	}
	deadline = time(NULL) + 60;
	while ((left = count_siblings()) > 0 && time(NULL) < deadline)
		nanosleep(&tick, NULL);
	printf("orphans=%d left=%d\n", count, left);
	return left == 0 ? 0 : 1;
}
