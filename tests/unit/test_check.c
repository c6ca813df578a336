/* Unit tests for the self-check: the verdict, the failing checks and the
 * fixes for each container configuration of the design brief (facts made up
 * to match what was measured there), JSON escaping, runtime classification,
 * and the seccomp probes run for real under filters the test loads. */
#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "check/check.h"
#include "check/check_report.h"
#include "base/nsclone.h"

#define B(c) CAPS_BIT(c)
/* Docker's default capability set. */
static const uint64_t DOCKER_CAPS = B(CAP_CHOWN) | B(CAP_DAC_OVERRIDE) | B(CAP_FOWNER) | B(CAP_FSETID) |
				    B(CAP_KILL) | B(CAP_SETGID) | B(CAP_SETUID) | B(CAP_SETPCAP) |
				    B(CAP_NET_BIND_SERVICE) | B(CAP_NET_RAW) | B(CAP_SYS_CHROOT) | B(CAP_MKNOD) |
				    B(CAP_AUDIT_WRITE) | B(CAP_SETFCAP);

static struct options opts(enum net_mode net, uint16_t port)
{
	struct options o;
	memset(&o, 0, sizeof o);
	o.net = net;
	o.proxy_port = port;
	o.seccomp = 1;
	return o;
}

static void set_probe(struct check_facts *f, enum probe_id id, int errnum)
{
	static const int expected[PROBE_COUNT] = {EINVAL, EINVAL, EINVAL, EINVAL, EINVAL, EBADF, ENOENT, EINVAL};
	f->probes[id].expected = expected[id];
	f->probes[id].errnum = errnum;
	f->probes[id].signal = 0;
	f->probes[id].verdict = probe_classify(errnum, expected[id], 0);
}

/* A container the way Docker makes it, with extra capabilities and what its
 * filter lets through. clone_errno: what the clone probes get. */
static void docker_facts(struct check_facts *f, uint64_t extra_caps, int clone_errno, int other_errno,
			 int clone3_errno, int ns_errno)
{
	memset(f, 0, sizeof *f);
	f->caps_known = 1;
	f->caps.last_cap = 40;
	f->caps.effective = f->caps.permitted = DOCKER_CAPS | extra_caps;
	f->caps.bounding = DOCKER_CAPS | extra_caps;
	f->seccomp_mode = 2;
	f->seccomp_filters = 1;
	f->no_new_privs = 0;
	f->probes_known = 1;
	set_probe(f, PROBE_CLONE_FULL, clone_errno);
	set_probe(f, PROBE_CLONE_MIN, clone_errno);
	set_probe(f, PROBE_CLONE_OTHER, other_errno);
	set_probe(f, PROBE_CLONE3, clone3_errno);
	set_probe(f, PROBE_UNSHARE, ns_errno == 0 ? EINVAL : ns_errno);
	set_probe(f, PROBE_SETNS, ns_errno == 0 ? EBADF : ns_errno);
	set_probe(f, PROBE_MOUNT, ns_errno == 0 ? ENOENT : ns_errno);
	set_probe(f, PROBE_SETHOSTNAME, EINVAL);
	f->max_userns = 63000;
	f->unpriv_userns_clone = -1;
	f->apparmor_restrict_userns = -1;
	f->landlock_abi = 7;
	f->netfilter_errno = 0;
	f->have_runtime = 1;
	f->rt.engine = RT_DOCKER;
	f->rt.n_evidence = 1;
	strcpy(f->rt.evidence[0], "/.dockerenv exists");
	f->trial_state = TRIAL_NOT_RUN;
}

static const struct check_item *item(const struct check_report *r, const char *name)
{
	for (int i = 0; i < r->n_items; i++)
		if (strcmp(r->items[i].name, name) == 0)
			return &r->items[i];
	return NULL;
}

static int n_failed_required(const struct check_report *r)
{
	int n = 0;
	for (int i = 0; i < r->n_items; i++)
		n += r->items[i].required && r->items[i].ok == 0;
	return n;
}

static struct check_facts F;
static struct check_report R;

static void test_docker_default_proxy(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, 0, EPERM, EPERM, ENOSYS, EPERM);
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	assert_string_equal(R.tier, "none");
	const struct check_item *c = item(&R, "filter:clone-min");
	assert_non_null(c);
	assert_int_equal(c->ok, 0);
	assert_int_equal(c->errnum, EPERM);
	assert_non_null(strstr(c->detail, "refused by the seccomp filter"));
	assert_int_equal(item(&R, "cap_net_admin")->ok, 0);
	assert_true(item(&R, "cap_net_admin")->required);
	assert_int_equal(n_failed_required(&R), 2);
	assert_true(R.n_fixes >= 3);
	assert_string_equal(R.fixes[0].kind, "least-privilege");
	assert_string_equal(R.fixes[0].text,
			    "docker run --cap-add NET_ADMIN --security-opt seccomp=" CHECK_PROFILE_LEAST " IMAGE");
	assert_string_equal(R.fixes[1].kind, "seed-profile");
	assert_non_null(strstr(R.fixes[1].text, CHECK_PROFILE_SEED));
	assert_string_equal(R.fixes[R.n_fixes - 1].kind, "testing-only");
	assert_non_null(strstr(R.fixes[R.n_fixes - 1].text, "--cap-add SYS_ADMIN"));
	assert_string_equal(check_first_failure(&R)->name, "cap_net_admin");
}

static void test_docker_default_net_none(void **state)
{
	(void)state;
	struct options o = opts(NET_NONE, 0);
	docker_facts(&F, 0, EPERM, EPERM, ENOSYS, EPERM);
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	/* NET_ADMIN is not needed for --net none, so not asked for. */
	assert_false(item(&R, "cap_net_admin")->required);
	assert_int_equal(n_failed_required(&R), 1);
	assert_string_equal(R.fixes[0].text, "docker run --security-opt seccomp=" CHECK_PROFILE_LEAST " IMAGE");
}

static void test_net_admin_only(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, B(CAP_NET_ADMIN), EPERM, EPERM, ENOSYS, EPERM);
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	assert_int_equal(n_failed_required(&R), 1);
	assert_string_equal(check_first_failure(&R)->name, "filter:clone-min");
	/* Complete, not a delta: NET_ADMIN is there now but the text keeps it. */
	assert_string_equal(R.fixes[0].text,
			    "docker run --cap-add NET_ADMIN --security-opt seccomp=" CHECK_PROFILE_LEAST " IMAGE");
}

static void test_least_privilege_profile(void **state)
{
	(void)state;
	struct options o = opts(NET_TRANSPARENT, 3128);
	docker_facts(&F, B(CAP_NET_ADMIN), EINVAL, EPERM, ENOSYS, EPERM);
	check_evaluate(&o, &F, &R);
	assert_true(R.ready);
	assert_string_equal(R.tier, "full");
	assert_int_equal(R.n_fixes, 0);
	assert_non_null(strstr(item(&R, "seccomp_profile")->detail, "least-privilege"));
	/* Refused but unused: shown, not failing the verdict. */
	assert_int_equal(item(&R, "filter:unshare")->ok, 0);
	assert_false(item(&R, "filter:unshare")->required);
}

static void test_seed_profile(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, B(CAP_NET_ADMIN), EINVAL, EINVAL, ENOSYS, EPERM);
	check_evaluate(&o, &F, &R);
	assert_true(R.ready);
	assert_string_equal(R.tier, "full");
	assert_non_null(strstr(item(&R, "seccomp_profile")->detail, "seed"));
	assert_int_equal(item(&R, "filter:clone3")->errnum, ENOSYS);
}

static void test_sys_admin_only(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, B(CAP_SYS_ADMIN), EINVAL, EINVAL, EINVAL, 0);
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	assert_string_equal(R.tier, "reduced");
	assert_int_equal(n_failed_required(&R), 1);
	assert_string_equal(check_first_failure(&R)->name, "cap_net_admin");
	/* Least privilege replaces SYS_ADMIN by the profile; SYS_ADMIN last. */
	assert_string_equal(R.fixes[0].text,
			    "docker run --cap-add NET_ADMIN --security-opt seccomp=" CHECK_PROFILE_LEAST " IMAGE");
	assert_non_null(strstr(R.fixes[0].note, "instead of --cap-add SYS_ADMIN"));
	assert_string_equal(R.fixes[R.n_fixes - 1].kind, "testing-only");
	assert_string_equal(R.fixes[R.n_fixes - 1].text, "docker run --cap-add NET_ADMIN --cap-add SYS_ADMIN IMAGE");
}

static void test_podman_default_profile_allows_clone(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, 0, EINVAL, EINVAL, EINVAL, 0);
	F.rt.engine = RT_PODMAN;
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	assert_int_equal(R.n_fixes, 1);
	assert_string_equal(R.fixes[0].text, "podman run --cap-add NET_ADMIN IMAGE");
}

static void test_net_none_without_net_admin_is_reduced_but_ready(void **state)
{
	(void)state;
	struct options o = opts(NET_NONE, 0);
	docker_facts(&F, 0, EINVAL, EPERM, ENOSYS, EPERM);
	check_evaluate(&o, &F, &R);
	assert_true(R.ready);
	assert_string_equal(R.tier, "reduced");
}

static void test_only_min_clone_is_reduced(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, B(CAP_NET_ADMIN), EINVAL, EPERM, ENOSYS, EPERM);
	set_probe(&F, PROBE_CLONE_FULL, EPERM);
	check_evaluate(&o, &F, &R);
	assert_true(R.ready);
	assert_string_equal(R.tier, "reduced");
	assert_non_null(strstr(R.tier_detail, "without PID"));
}

static void test_gvisor_unsupported(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, B(CAP_NET_ADMIN), EINVAL, EINVAL, EINVAL, 0);
	F.rt.engine = RT_GVISOR;
	F.netfilter_errno = EPROTONOSUPPORT;
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	assert_string_equal(R.tier, "none");
	assert_int_equal(R.n_fixes, 1);
	assert_string_equal(R.fixes[0].kind, "unsupported");
	assert_non_null(strstr(R.fixes[0].text, "unsupported runtime"));
	assert_int_equal(item(&R, "netlink_netfilter")->errnum, EPROTONOSUPPORT);
}

static void test_kubernetes_fix(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, 0, EPERM, EPERM, ENOSYS, EPERM);
	F.rt.engine = RT_CONTAINERD;
	F.rt.orchestrator = RT_ORCH_KUBERNETES;
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	assert_string_equal(R.fixes[0].runtime, "kubernetes");
	assert_string_equal(R.fixes[0].text, "securityContext:\n"
					     "  capabilities:\n"
					     "    add: [\"NET_ADMIN\"]\n"
					     "  seccompProfile:\n"
					     "    type: Localhost\n"
					     "    localhostProfile: " CHECK_PROFILE_OCI_NAME);
	assert_string_equal(R.fixes[R.n_fixes - 1].kind, "testing-only");
}

static void test_ecs_fix(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, 0, EPERM, EPERM, ENOSYS, EPERM);
	F.rt.orchestrator = RT_ORCH_ECS;
	check_evaluate(&o, &F, &R);
	assert_string_equal(R.fixes[0].runtime, "ecs");
	assert_non_null(strstr(R.fixes[0].text, "\"linuxParameters\": {\"capabilities\": {\"add\": [\"NET_ADMIN\"]}}"));
	/* ECS names no seccomp profile per task: the daemon's default does */
	assert_null(strstr(R.fixes[0].text, "dockerSecurityOptions"));
	assert_string_equal(R.fixes[1].runtime, "ecs");
	assert_string_equal(R.fixes[1].text, "{\"seccomp-profile\": \"/etc/docker/jailinit-least-privilege.json\"}");
	assert_non_null(strstr(R.fixes[1].note, "daemon.json"));
}

static void test_userns_limits(void **state)
{
	(void)state;
	struct options o = opts(NET_NONE, 0);
	docker_facts(&F, B(CAP_NET_ADMIN), EINVAL, EPERM, ENOSYS, EPERM);
	F.max_userns = 0;
	F.unpriv_userns_clone = 0;
	F.apparmor_restrict_userns = 1;
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	assert_int_equal(item(&R, "max_user_namespaces")->errnum, ENOSPC);
	assert_int_equal(item(&R, "unprivileged_userns_clone")->ok, 0);
	assert_int_equal(item(&R, "apparmor_userns")->ok, 0);
	assert_false(item(&R, "apparmor_userns")->required); /* the real steps decide */
	assert_string_equal(R.fixes[0].kind, "host");
	assert_non_null(strstr(R.fixes[0].text, "user.max_user_namespaces="));
	assert_non_null(strstr(R.fixes[0].text, "kernel.unprivileged_userns_clone=1"));
	assert_non_null(strstr(R.fixes[0].text, "apparmor_restrict_unprivileged_userns=0"));

	/* AppArmor's restriction alone does not refuse; a real step failing
	 * with EPERM under it gets the host fix. */
	docker_facts(&F, B(CAP_NET_ADMIN), EINVAL, EPERM, ENOSYS, EPERM);
	F.apparmor_restrict_userns = 1;
	check_evaluate(&o, &F, &R);
	assert_true(R.ready);
	F.trial_state = TRIAL_RAN;
	F.trial.n_steps = 2;
	F.trial.steps[0] = (struct jail_step_result){.id = JS_CLONE, .name = "clone", .ran = 1, .ok = 1};
	/* the name the jail side really reports for lo (rtnl_link_up) */
	F.trial.steps[1] = (struct jail_step_result){.id = JS_JAIL_SIDE, .name = "bring link up", .ran = 1, .ok = 0,
						     .errnum = EPERM};
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	assert_string_equal(R.tier, "none");
	assert_string_equal(R.fixes[0].kind, "host");
	assert_string_equal(R.fixes[0].text, "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");

	/* Absent sysctls are not applicable, not failures. */
	docker_facts(&F, B(CAP_NET_ADMIN), EINVAL, EPERM, ENOSYS, EPERM);
	check_evaluate(&o, &F, &R);
	assert_int_equal(item(&R, "unprivileged_userns_clone")->ok, -1);
	assert_int_equal(item(&R, "apparmor_userns")->ok, -1);
}

/* Issue 7's defect: the verdict came from substrings of step names, and the
 * name the jail side really records for lo ("bring link up") was not among
 * them: --net none was said to be possible without loopback. Now every step
 * of the table, failing in the trial, gives its tier's verdict. */
static void test_every_failing_step_gives_its_tier(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		struct options o = mode ? opts(NET_PROXY, 3128) : opts(NET_NONE, 0);
		for (int id = JS_NONE + 1; id < JS_COUNT; id++) {
			if (jail_step((enum jail_step_id)id)->tier == JAIL_TIER_PROXY)
				continue; /* a trial starts no proxy */
			if (!mode && jail_step((enum jail_step_id)id)->tier != JAIL_TIER_BASIC)
				continue; /* --net none builds no link */
			docker_facts(&F, B(CAP_NET_ADMIN), EINVAL, EPERM, ENOSYS, EPERM);
			F.trial_state = TRIAL_RAN;
			F.trial.n_steps = 1;
			F.trial.steps[0] = (struct jail_step_result){.id = (enum jail_step_id)id, .ran = 1, .ok = 0,
								     .errnum = EPERM};
			snprintf(F.trial.steps[0].name, sizeof F.trial.steps[0].name, "%s",
				 id == JS_JAIL_SIDE ? "bring link up" : jail_step((enum jail_step_id)id)->name);
			check_evaluate(&o, &F, &R);
			assert_false(R.ready);
			int basic = jail_step((enum jail_step_id)id)->tier == JAIL_TIER_BASIC;
			if (basic && strcmp(R.tier, "none") != 0)
				fail_msg("step %s (mode %d): tier %s, want none", F.trial.steps[0].name, mode, R.tier);
			if (!basic && strncmp(R.tier, "reduced", 7) != 0)
				fail_msg("step %s (mode %d): tier %s, want reduced", F.trial.steps[0].name, mode, R.tier);
		}
	}
}

static void test_trial_failure_and_unavailable(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, B(CAP_NET_ADMIN), EINVAL, EPERM, ENOSYS, EPERM);
	F.trial_state = TRIAL_RAN;
	F.trial.n_steps = 3;
	F.trial.steps[0] = (struct jail_step_result){.id = JS_CLONE, .name = "clone", .ran = 1, .ok = 1};
	F.trial.steps[1] = (struct jail_step_result){.id = JS_VETH, .name = "create veth", .ran = 1, .ok = 0,
						     .errnum = EEXIST};
	F.trial.steps[2] = (struct jail_step_result){.id = JS_NFT_TABLE, .name = "nft table", .ran = 0};
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	assert_string_equal(R.tier, "reduced");
	assert_string_equal(check_first_failure(&R)->name, "step:create veth");
	assert_int_equal(item(&R, "step:nft table")->ok, -1);
	assert_string_equal(R.fixes[R.n_fixes - 1].kind, "none-known");

	F.trial_state = TRIAL_UNAVAILABLE;
	F.trial.n_steps = 0;
	check_evaluate(&o, &F, &R);
	assert_true(R.ready);
	assert_int_equal(item(&R, "real steps")->ok, -1);
	assert_non_null(strstr(item(&R, "real steps")->detail, "not available in this build"));
}

static void test_net_host_is_ready(void **state)
{
	(void)state;
	struct options o = opts(NET_HOST, 0);
	docker_facts(&F, 0, EPERM, EPERM, ENOSYS, EPERM);
	check_evaluate(&o, &F, &R);
	assert_true(R.ready);
	assert_int_equal(n_failed_required(&R), 0);
}

static void test_hostname_needs_sethostname(void **state)
{
	(void)state;
	struct options o = opts(NET_NONE, 0);
	o.hostname = "agent";
	docker_facts(&F, B(CAP_NET_ADMIN), EINVAL, EPERM, ENOSYS, EPERM);
	set_probe(&F, PROBE_SETHOSTNAME, EPERM);
	check_evaluate(&o, &F, &R);
	assert_false(R.ready);
	assert_string_equal(check_first_failure(&R)->name, "filter:sethostname");
	assert_string_equal(R.fixes[0].kind, "option");
	assert_string_equal(R.fixes[0].text, "run jailinit without --hostname");
	/* The least-privilege profile would not help: no seccomp fix offered. */
	for (int i = 0; i < R.n_fixes; i++)
		assert_null(strstr(R.fixes[i].text, CHECK_PROFILE_LEAST));
}

static char *json_of(const char *s)
{
	static char buf[256];
	FILE *m = fmemopen(buf, sizeof buf, "w");
	assert_non_null(m);
	check_json_string(m, s);
	assert_int_equal(fclose(m), 0);
	return buf;
}

static void test_json_string(void **state)
{
	(void)state;
	assert_string_equal(json_of("plain"), "\"plain\"");
	assert_string_equal(json_of("a\"b\\c"), "\"a\\\"b\\\\c\"");
	assert_string_equal(json_of("l1\nl2\tx\r"), "\"l1\\nl2\\tx\\r\"");
	assert_string_equal(json_of("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
	assert_string_equal(json_of("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

static void test_json_report_shape(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, 0, EPERM, EPERM, ENOSYS, EPERM);
	check_evaluate(&o, &F, &R);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	check_print_json(m, &o, &F, &R);
	assert_int_equal(fclose(m), 0);
	assert_non_null(strstr(buf, "\"ready\":false,\"tier\":\"none\""));
	assert_non_null(strstr(buf, "\"runtime\":{\"name\":\"docker\""));
	assert_non_null(strstr(buf, "{\"name\":\"filter:clone-min\",\"ok\":false,\"required\":true,\"status\":\"failed\",\"errno\":\"EPERM\""));
	assert_non_null(strstr(buf, "\"fixes\":[{\"runtime\":\"docker\",\"kind\":\"least-privilege\""));
	assert_int_equal(buf[len - 1], '\n');
	free(buf);
}

static void test_text_failures_only(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	docker_facts(&F, 0, EPERM, EPERM, ENOSYS, EPERM);
	check_evaluate(&o, &F, &R);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	check_print_text(m, &o, &F, &R, 1);
	assert_int_equal(fclose(m), 0);
	/* Only the failed required checks, the verdict and the fixes. */
	assert_non_null(strstr(buf, "FAILED cap_net_admin"));
	assert_non_null(strstr(buf, "FAILED filter:clone-min"));
	assert_null(strstr(buf, "  ok  "));
	assert_null(strstr(buf, "filter:setns"));
	assert_non_null(strstr(buf, "verdict: NOT READY for --net proxy (tier none"));
	assert_non_null(strstr(buf, "fix 1 (docker, least privilege):\n    docker run --cap-add NET_ADMIN --security-opt "
				    "seccomp=" CHECK_PROFILE_LEAST " IMAGE\n"));
	assert_non_null(strstr(buf, "(docker, TESTING ONLY)"));
	int lines = 0;
	for (char *c = buf; *c; c++)
		lines += *c == '\n';
	assert_true(lines <= 20);
	free(buf);
}

static void test_explain_failure(void **state)
{
	(void)state;
	/* Real gathering (no trial build: probes, files, one socket) with the
	 * failed step handed in; stderr caught in a file. */
	struct options o = opts(NET_PROXY, 3128);
	struct ji_err e;
	ji_fail(&e, "create veth", EEXIST, "jl0 exists");
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	int saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	check_explain_failure(&o, &e);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	char buf[8192];
	rewind(tmp);
	size_t n = fread(buf, 1, sizeof buf - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	assert_non_null(strstr(buf, "jailinit: building the jail failed at create veth (EEXIST): jl0 exists\n"));
	assert_non_null(strstr(buf, "FAILED step:create veth"));
	assert_non_null(strstr(buf, "verdict: NOT READY for --net proxy"));
	/* Nothing here explains EEXIST: said so rather than a made-up fix. */
	assert_non_null(strstr(buf, "no known fix"));

	/* check_quick's own error is not a build step (and already logged). */
	ji_fail(&e, CHECK_QUICK_STEP, EPERM, "cap_net_admin: ...");
	tmp = tmpfile();
	assert_non_null(tmp);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	check_explain_failure(&o, &e);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof buf - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	assert_null(strstr(buf, "building the jail failed"));
	assert_null(strstr(buf, "step:"));
}

/* ---- runtime classification ---- */

static void facts_host(struct runtime_facts *f)
{
	memset(f, 0, sizeof *f);
	strcpy(f->self_cgroup, "0::/user.slice/user-1000.slice/session-1.scope\n");
	strcpy(f->init_cgroup, "0::/init.scope\n");
	strcpy(f->uid_map, "         0          0 4294967295\n");
	strcpy(f->kernel_release, "6.1.0-18-amd64");
	strcpy(f->kernel_version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)");
}

static void test_runtime_classify(void **state)
{
	(void)state;
	struct runtime_facts f;
	struct runtime_info r;

	facts_host(&f);
	runtime_classify(&f, &r);
	assert_int_equal(r.engine, RT_NONE);
	assert_string_equal(runtime_name(&r), "none");
	assert_true(r.n_evidence >= 1);

	facts_host(&f);
	f.dockerenv = 1;
	strcpy(f.self_cgroup, "12:pids:/docker/0123456789abcdef\n0::/docker/0123456789abcdef\n");
	runtime_classify(&f, &r);
	assert_string_equal(runtime_name(&r), "docker");
	assert_int_equal(r.n_evidence, 2);
	assert_false(r.userns);

	facts_host(&f);
	f.containerenv = 1;
	strcpy(f.container_env, "podman");
	runtime_classify(&f, &r);
	assert_string_equal(runtime_name(&r), "podman");

	facts_host(&f);
	f.sysboxfs = 1;
	strcpy(f.uid_map, "0 165536 65536\n");
	runtime_classify(&f, &r);
	assert_string_equal(runtime_name(&r), "sysbox");
	assert_true(r.userns);

	facts_host(&f);
	strcpy(f.kernel_release, "4.4.0");
	strcpy(f.kernel_version, "#1 SMP Sun Jan 10 15:06:54 PST 2016");
	f.netfilter_errno = EPROTONOSUPPORT;
	f.dockerenv = 1;
	runtime_classify(&f, &r);
	assert_string_equal(runtime_engine_name(r.engine), "gvisor");

	facts_host(&f);
	f.k8s_env = 1;
	f.k8s_sa = 1;
	strcpy(f.self_cgroup, "0::/kubepods/besteffort/pod1/cri-containerd-abc\n");
	runtime_classify(&f, &r);
	assert_string_equal(runtime_name(&r), "kubernetes");
	assert_int_equal(r.engine, RT_CONTAINERD);

	/* containerd with a private cgroup namespace: only the overlay root. */
	facts_host(&f);
	strcpy(f.self_cgroup, "0::/\n");
	strcpy(f.init_cgroup, "0::/\n");
	runtime_root_fstype("1 0 0:1 / /proc rw - proc proc rw\n"
			    "22 1 0:50 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/l\n",
			    f.root_fstype, sizeof f.root_fstype);
	assert_string_equal(f.root_fstype, "overlay");
	runtime_classify(&f, &r);
	assert_string_equal(runtime_name(&r), "container");
	char t[24];
	runtime_root_fstype("27 1 254:0 / / rw,relatime - ext4 /dev/vda rw", t, sizeof t);
	assert_string_equal(t, "ext4");
	runtime_root_fstype("27 1 254:0 / /mnt rw - ext4 /dev/vda rw", t, sizeof t);
	assert_string_equal(t, "");

	facts_host(&f);
	f.ecs_env = 1;
	f.dockerenv = 1;
	runtime_classify(&f, &r);
	assert_string_equal(runtime_name(&r), "ecs");
	assert_int_equal(r.engine, RT_DOCKER);
}

/* ---- capabilities ---- */

static uint64_t status_hex(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	assert_non_null(f);
	char line[256];
	uint64_t v = 0;
	int found = 0;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, strlen(key)) == 0) {
			v = strtoull(line + strlen(key), NULL, 16);
			found = 1;
		}
	fclose(f);
	assert_true(found);
	return v;
}

static void test_caps_read_matches_proc(void **state)
{
	(void)state;
	struct caps_sets c;
	struct ji_err e;
	assert_int_equal(caps_read(&c, CAPS_ALL, &e), 0);
	assert_true(c.last_cap >= 40);
	assert_true(c.effective == status_hex("CapEff:"));
	assert_true(c.permitted == status_hex("CapPrm:"));
	assert_true(c.bounding == status_hex("CapBnd:"));
	assert_true(c.ambient == status_hex("CapAmb:"));
	/* Only the named ones: the others' bounding bits are not read. */
	assert_int_equal(caps_read(&c, CAPS_BIT(CAP_NET_ADMIN), &e), 0);
	assert_true(c.bounding == (status_hex("CapBnd:") & CAPS_BIT(CAP_NET_ADMIN)));

	char buf[64];
	caps_format(CAPS_BIT(CAP_NET_ADMIN) | CAPS_BIT(CAP_SETUID), 40, buf, sizeof buf);
	assert_string_equal(buf, "SETUID NET_ADMIN");
	caps_format(0, 40, buf, sizeof buf);
	assert_string_equal(buf, "none");
	caps_format(~UINT64_C(0), 40, buf, 24);
	assert_non_null(strstr(buf, "..."));
	assert_true(strlen(buf) < 24);
	assert_string_equal(caps_name(CAP_SYS_ADMIN), "SYS_ADMIN");
	assert_string_equal(caps_name(45), "CAP_45");
}

/* ---- the probes, for real ---- */

static void test_probe_classify(void **state)
{
	(void)state;
	assert_int_equal(probe_classify(EINVAL, EINVAL, 0), PROBE_ALLOWED);
	assert_int_equal(probe_classify(0, EINVAL, 0), PROBE_ALLOWED);
	assert_int_equal(probe_classify(EPERM, EINVAL, 0), PROBE_REFUSED);
	assert_int_equal(probe_classify(ENOSYS, EINVAL, 0), PROBE_REFUSED);
	assert_int_equal(probe_classify(0, EINVAL, SIGSYS), PROBE_REFUSED);
	assert_int_equal(probe_classify(EFAULT, EINVAL, 0), PROBE_UNKNOWN);
}

static void test_probes_unfiltered(void **state)
{
	(void)state;
	struct probe_result p[PROBE_COUNT];
	/* This test process has no seccomp filter: everything gets through,
	 * with the errno the kernel gives for the invalid arguments. */
	assert_int_equal(probe_run(PROBE_ALL, 0, p), 0);
	for (int i = 0; i < PROBE_COUNT; i++) {
		if (p[i].verdict != PROBE_ALLOWED)
			fail_msg("%s: verdict %d errno %d signal %d", probe_name((enum probe_id)i), p[i].verdict, p[i].errnum,
				 p[i].signal);
		assert_int_equal(p[i].errnum, p[i].expected);
	}
	/* With SIGCHLD ignored (an init may start that way) the probes still
	 * see their children, and the disposition is given back. */
	struct sigaction ign, old, now;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGCHLD, &ign, &old), 0);
	assert_int_equal(probe_run(1u << PROBE_CLONE_MIN, 0, p), 0);
	assert_int_equal(p[PROBE_CLONE_MIN].verdict, PROBE_ALLOWED);
	assert_int_equal(sigaction(SIGCHLD, &old, &now), 0);
	assert_true(now.sa_handler == SIG_IGN);
	/* Only what was asked for. */
	assert_int_equal(probe_run(1u << PROBE_SETNS, 0, p), 0);
	assert_int_equal(p[PROBE_SETNS].verdict, PROBE_ALLOWED);
	assert_int_equal(p[PROBE_CLONE_MIN].verdict, PROBE_UNTRIED);
}

/* In a child: load a filter like Docker's default one (clone with namespace
 * flags -> EPERM, clone3 -> ENOSYS, mount kills), probe, report through the
 * exit status. */
static void test_probes_under_filter(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (!ctx)
			_exit(10);
		const uint64_t nsmask = 0x7E020000;
		/* clone with exactly NEWUSER|NEWNET allowed, any other namespace bit refused */
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, nsmask, JAIL_NS_FULL)) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, nsmask, (uint64_t)(CLONE_NEWUSER | CLONE_NEWUTS))) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(mount), 0) < 0)
			_exit(11);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
			_exit(12);
		seccomp_release(ctx);
		struct probe_result p[PROBE_COUNT];
		if (probe_run(PROBE_ALL, 1, p) < 0)
			_exit(13);
		if (write(fds[1], p, sizeof p) != (ssize_t)sizeof p)
			_exit(14);
		_exit(0);
	}
	close(fds[1]);
	struct probe_result p[PROBE_COUNT];
	ssize_t n = read(fds[0], p, sizeof p);
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(n, (ssize_t)sizeof p);

	assert_int_equal(p[PROBE_CLONE_FULL].verdict, PROBE_REFUSED);
	assert_int_equal(p[PROBE_CLONE_FULL].errnum, EPERM);
	assert_int_equal(p[PROBE_CLONE_MIN].verdict, PROBE_ALLOWED);
	assert_int_equal(p[PROBE_CLONE_MIN].errnum, EINVAL);
	assert_int_equal(p[PROBE_CLONE_OTHER].verdict, PROBE_REFUSED);
	assert_int_equal(p[PROBE_CLONE3].verdict, PROBE_REFUSED);
	assert_int_equal(p[PROBE_CLONE3].errnum, ENOSYS);
	assert_int_equal(p[PROBE_UNSHARE].verdict, PROBE_REFUSED);
	assert_int_equal(p[PROBE_SETNS].verdict, PROBE_ALLOWED);
	assert_int_equal(p[PROBE_SETNS].errnum, EBADF);
	/* mount kills the probe child; the probes after it still ran. */
	assert_int_equal(p[PROBE_MOUNT].verdict, PROBE_REFUSED);
	assert_int_equal(p[PROBE_MOUNT].signal, SIGSYS);
	assert_int_equal(p[PROBE_SETHOSTNAME].verdict, PROBE_ALLOWED);
}

static void test_check_quick(void **state)
{
	(void)state;
	struct options o = opts(NET_PROXY, 3128);
	struct ji_err e;
	memset(&e, 0, sizeof e);
	/* This test runs as root without a filter (make unit). */
	if (geteuid() != 0)
		skip();
	assert_int_equal(check_quick(&o, &e), 0);

	/* Under a Docker-like filter, in a child: refused, 77, naming the check. */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, (uint64_t)CLONE_NEWUSER, (uint64_t)CLONE_NEWUSER)) < 0)
			_exit(10);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
			_exit(12);
		struct ji_err ce;
		memset(&ce, 0, sizeof ce);
		int rc = check_quick(&o, &ce);
		if (write(fds[1], &ce, sizeof ce) != (ssize_t)sizeof ce)
			_exit(14);
		_exit(rc == -1 ? 0 : 15);
	}
	close(fds[1]);
	struct ji_err ce;
	ssize_t n = read(fds[0], &ce, sizeof ce);
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(n, (ssize_t)sizeof ce);
	assert_int_equal(ce.exit_code, EXIT_FORBIDDEN);
	assert_int_equal(ce.errnum, EPERM);
	assert_non_null(strstr(ce.detail, "filter:clone-min"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_default_proxy),
		cmocka_unit_test(test_docker_default_net_none),
		cmocka_unit_test(test_net_admin_only),
		cmocka_unit_test(test_least_privilege_profile),
		cmocka_unit_test(test_seed_profile),
		cmocka_unit_test(test_sys_admin_only),
		cmocka_unit_test(test_podman_default_profile_allows_clone),
		cmocka_unit_test(test_net_none_without_net_admin_is_reduced_but_ready),
		cmocka_unit_test(test_only_min_clone_is_reduced),
		cmocka_unit_test(test_gvisor_unsupported),
		cmocka_unit_test(test_kubernetes_fix),
		cmocka_unit_test(test_ecs_fix),
		cmocka_unit_test(test_userns_limits),
		cmocka_unit_test(test_every_failing_step_gives_its_tier),
		cmocka_unit_test(test_trial_failure_and_unavailable),
		cmocka_unit_test(test_net_host_is_ready),
		cmocka_unit_test(test_hostname_needs_sethostname),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_json_report_shape),
		cmocka_unit_test(test_text_failures_only),
		cmocka_unit_test(test_explain_failure),
		cmocka_unit_test(test_runtime_classify),
		cmocka_unit_test(test_caps_read_matches_proc),
		cmocka_unit_test(test_probe_classify),
		cmocka_unit_test(test_probes_unfiltered),
		cmocka_unit_test(test_probes_under_filter),
		cmocka_unit_test(test_check_quick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
