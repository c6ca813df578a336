/* egressbench: the connection half of the egress bench (bench/egress.py),
 * in C so that the clients and the echo server are not what is measured.
 *
 *   egressbench serve PORT [any]
 *       an epoll echo server on 127.0.0.1:PORT (0.0.0.0 with "any"; one
 *       thread); runs until killed
 *   egressbench conns PROXY_ADDR PROXY_PORT|- PORT K SECONDS
 *       K threads, each in a loop for SECONDS: connect (to the proxy and
 *       CONNECT 127.0.0.1:PORT, or straight to PROXY_ADDR:PORT with "-",
 *       127.0.0.1 when PROXY_ADDR is "-" too), 1 byte there and back,
 *       close. Prints "CONNS_PER_S P50_US P99_US".
 * Loopback and the address given only. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int serve(int port, int any)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(any ? INADDR_ANY : INADDR_LOOPBACK);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 4096) < 0) {
		perror("egressbench serve");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l }, evs[256];
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	char buf[65536];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == l) {
				int c;
				while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				}
				continue;
			}
			ssize_t r = read(fd, buf, sizeof buf);
			if (r > 0)
				(void)!write(fd, buf, (size_t)r);
			else if (r == 0 || errno != EAGAIN)
				close(fd);
		}
	}
}

struct job {
	struct sockaddr_in to;
	int via_proxy, port;
	double end;
	double *lat;
	size_t n, cap;
	int failed;
};

static int one_conn(struct job *j)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	char buf[512];
	if (s < 0 || connect(s, (struct sockaddr *)&j->to, sizeof j->to) < 0)
		goto fail;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (j->via_proxy) {
		int n = snprintf(buf, sizeof buf, "CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", j->port,
				 j->port);
		if (write(s, buf, (size_t)n) != n)
			goto fail;
		size_t got = 0;
		while (got < 4 || memcmp(buf + got - 4, "\r\n\r\n", 4) != 0) {
			ssize_t r = read(s, buf + got, 1); /* the 200 is short: byte by byte keeps it exact */
			if (r <= 0 || ++got == sizeof buf)
				goto fail;
		}
		if (strncmp(buf, "HTTP/1.1 200", 12) != 0 && strncmp(buf, "HTTP/1.0 200", 12) != 0)
			goto fail;
	}
	if (write(s, "x", 1) != 1 || read(s, buf, 1) != 1)
		goto fail;
	close(s);
	return 0;
fail:
	if (s >= 0)
		close(s);
	return -1;
}

static void *client(void *arg)
{
	struct job *j = arg;
	for (double t = now_s(); t < j->end; t = now_s()) {
		if (one_conn(j) != 0) {
			j->failed++;
			continue;
		}
		if (j->n == j->cap) {
			j->cap = j->cap ? j->cap * 2 : 4096;
			j->lat = realloc(j->lat, j->cap * sizeof *j->lat);
		}
		j->lat[j->n++] = now_s() - t;
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "serve") == 0)
		return serve(atoi(argv[2]), argc == 4 && strcmp(argv[3], "any") == 0);
	if (argc != 7 || strcmp(argv[1], "conns") != 0) {
		fprintf(stderr, "usage: egressbench serve PORT [any] | conns PROXY_ADDR PROXY_PORT|- PORT K SECONDS\n");
		return 64;
	}
	int via = strcmp(argv[3], "-") != 0, port = atoi(argv[4]), k = atoi(argv[5]);
	double secs = atof(argv[6]);
	struct sockaddr_in to = { .sin_family = AF_INET };
	if (via) {
		inet_pton(AF_INET, argv[2], &to.sin_addr);
		to.sin_port = htons((uint16_t)atoi(argv[3]));
	} else {
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (strcmp(argv[2], "-") != 0 && inet_pton(AF_INET, argv[2], &to.sin_addr) != 1) {
			fprintf(stderr, "egressbench: '%s' is not an IPv4 address\n", argv[2]);
			return 64;
		}
		to.sin_port = htons((uint16_t)port);
	}
	struct job *jobs = calloc((size_t)k, sizeof *jobs);
	pthread_t *th = calloc((size_t)k, sizeof *th);
	double t0 = now_s();
	for (int i = 0; i < k; i++) {
		jobs[i] = (struct job){ .to = to, .via_proxy = via, .port = port, .end = t0 + secs };
		pthread_create(&th[i], NULL, client, &jobs[i]);
	}
	size_t total = 0;
	int failed = 0;
	for (int i = 0; i < k; i++) {
		pthread_join(th[i], NULL);
		total += jobs[i].n;
		failed += jobs[i].failed;
	}
	double dt = now_s() - t0;
	double *all = malloc((total ? total : 1) * sizeof *all);
	size_t o = 0;
	for (int i = 0; i < k; i++) {
		memcpy(all + o, jobs[i].lat, jobs[i].n * sizeof *all);
		o += jobs[i].n;
	}
	qsort(all, total, sizeof *all, cmp);
	if (total == 0) {
		fprintf(stderr, "egressbench: no connection made (%d failed)\n", failed);
		return 1;
	}
	printf("%.0f %.0f %.0f %d\n", (double)total / dt, all[total / 2] * 1e6, all[(size_t)((double)total * 0.99)] * 1e6,
	       failed);
	return 0;
}
