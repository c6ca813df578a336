/* Unit tests of the jail's id maps (base/nsclone.c, ns_swap_map): the agent's
 * id inside is mapped onto an id of nobody's outside, every other id the
 * container names keeps its number, and what the kernel would refuse
 * (overlaps, an id we cannot name, too many lines) is refused here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/nsclone.h"

static char map[8192];

/* Where jail id `inside` lands outside under map (-1: unmapped), and check
 * on the way that no two lines overlap on either side. */
static long long lookup(const char *m, unsigned long long id)
{
	unsigned long long in[400], out[400], cnt[400];
	int n = 0;
	for (const char *p = m; *p; n++) {
		assert_true(n < 400);
		assert_int_equal(sscanf(p, "%llu %llu %llu", &in[n], &out[n], &cnt[n]), 3);
		assert_true(cnt[n] > 0);
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			assert_false(in[i] < in[j] + cnt[j] && in[j] < in[i] + cnt[i]);
			assert_false(out[i] < out[j] + cnt[j] && out[j] < out[i] + cnt[i]);
		}
	for (int i = 0; i < n; i++)
		if (id >= in[i] && id < in[i] + cnt[i])
			return (long long)(out[i] + (id - in[i]));
	return -1;
}

static int lines(const char *m)
{
	int n = 0;
	for (; *m; m++)
		n += *m == '\n';
	return n;
}

/* Docker without a user namespace: the container names every id. */
static const char *const whole = "         0          0 4294967295\n";

static void test_root_agent_is_nobody_outside(void **state)
{
	struct ns_id_swap s = { 0, 65520 };
	assert_int_equal(ns_swap_map(whole, &s, map, sizeof map), 0);
	assert_int_equal(lookup(map, 0), 65520);      /* --user 0 is 65520 to the container */
	assert_int_equal(lookup(map, 65520), 0);      /* and the container's root shows as 65520 */
	assert_int_equal(lookup(map, 1), 1);
	assert_int_equal(lookup(map, 65519), 65519);
	assert_int_equal(lookup(map, 65521), 65521);
	assert_int_equal(lookup(map, 4294967294ULL), 4294967294LL);
	assert_int_equal(lookup(map, 4294967295ULL), -1); /* (uid_t)-1 is never mapped */
	assert_int_equal(lines(map), 4);
}

static void test_default_agent(void **state)
{
	struct ns_id_swap s = { 65534, 65520 };
	assert_int_equal(ns_swap_map(whole, &s, map, sizeof map), 0);
	assert_int_equal(lookup(map, 65534), 65520);
	assert_int_equal(lookup(map, 65520), 65534);
	assert_int_equal(lookup(map, 0), 0); /* the jail's init stays uid 0 */
	assert_int_equal(lookup(map, 65533), 65533);
	assert_int_equal(lookup(map, 65535), 65535);
	assert_int_equal(lines(map), 5);
}

/* sysbox, userns-remap: the container names 0-65535 only. */
static void test_user_namespaced_container(void **state)
{
	const char *own = "         0     165536      65536\n";
	struct ns_id_swap s = { 1000, 65520 };
	assert_int_equal(ns_swap_map(own, &s, map, sizeof map), 0);
	assert_int_equal(lookup(map, 1000), 65520);
	assert_int_equal(lookup(map, 65520), 1000);
	assert_int_equal(lookup(map, 65535), 65535);
	assert_int_equal(lookup(map, 65536), -1);
	/* an agent id inside that the container cannot name: mapped all the same */
	s.inside = 100000;
	assert_int_equal(ns_swap_map(own, &s, map, sizeof map), 0);
	assert_int_equal(lookup(map, 100000), 65520);
	assert_int_equal(lookup(map, 65520), -1);
	/* an outside id the container cannot name: refused */
	s.inside = 0;
	s.outside = 70000;
	errno = 0;
	assert_int_equal(ns_swap_map(own, &s, map, sizeof map), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_several_ranges_and_the_edges(void **state)
{
	const char *own = "0 100000 1000\n5000 200000 10\n";
	struct ns_id_swap s = { 0, 5009 };
	assert_int_equal(ns_swap_map(own, &s, map, sizeof map), 0);
	assert_int_equal(lookup(map, 0), 5009);
	assert_int_equal(lookup(map, 5009), 0);
	assert_int_equal(lookup(map, 999), 999);
	assert_int_equal(lookup(map, 1000), -1);
	assert_int_equal(lookup(map, 5000), 5000);
	assert_int_equal(lookup(map, 5010), -1);
	/* same id inside and out: identity */
	s.inside = s.outside = 7;
	assert_int_equal(ns_swap_map(own, &s, map, sizeof map), 0);
	assert_string_equal(map, "0 0 1000\n5000 5000 10\n");
	assert_int_equal(ns_swap_map(own, NULL, map, sizeof map), 0);
	assert_string_equal(map, "0 0 1000\n5000 5000 10\n");
}

static void test_refusals(void **state)
{
	struct ns_id_swap s = { 0, 65520 };
	errno = 0;
	assert_int_equal(ns_swap_map("", &s, map, sizeof map), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ns_swap_map("garbage\n", &s, map, sizeof map), -1);
	errno = 0;
	assert_int_equal(ns_swap_map(whole, &s, map, 20), -1); /* does not fit */
	assert_int_equal(errno, E2BIG);
	/* 340 lines in our own map, each split by the swap: more than the kernel takes */
	static char own[340 * 24];
	size_t used = 0;
	for (int i = 0; i < 340; i++)
		used += (size_t)snprintf(own + used, sizeof own - used, "%d %d 10\n", i * 10, i * 10);
	s.inside = 5;
	s.outside = 15;
	static char big[65536];
	errno = 0;
	assert_int_equal(ns_swap_map(own, &s, big, sizeof big), -1);
	assert_int_equal(errno, E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_agent_is_nobody_outside),
		cmocka_unit_test(test_default_agent),
		cmocka_unit_test(test_user_namespaced_container),
		cmocka_unit_test(test_several_ranges_and_the_edges),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
