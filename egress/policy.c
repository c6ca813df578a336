/* policy: see policy.h. */
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../base/log.h"
#include "../init/options.h"
#include "elog.h"

#define POLICY_FILE_MAX ((size_t)256 * 1024)

static int is_sep(char ch)
{
	return ch == ' ' || ch == ',' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* A token of a list that only continues the ports of the rule before it
 * ("github.com:22,443" split at the comma). */
static int ports_only(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return n > 0;
}

/* Call fn for each rule of a list separated by spaces or commas. */
static int each_rule(const char *list, int (*fn)(void *, const char *, size_t), void *ctx)
{
	const char *p = list;

	while (*p) {
		while (*p && is_sep(*p))
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && !is_sep(*p))
			p++;
		/* the rule's ports: more comma-separated numbers may follow */
		if (memchr(start, ':', (size_t)(p - start))) {
			while (*p == ',') {
				const char *q = p + 1;
				size_t n = strcspn(q, " ,\t\r\n");
				if (!ports_only(q, n))
					break;
				p = q + n;
			}
		}
		int rc = fn(ctx, start, (size_t)(p - start));
		if (rc != 0)
			return rc;
	}
	return 0;
}

struct check_ctx {
	const char *name;
	struct ji_err *err;
	struct rules_set *set; /* NULL: check only */
	int deny;
};

static int check_one(void *vctx, const char *s, size_t n)
{
	struct check_ctx *c = vctx;
	char why[160];

	if (c->set ? rules_add(c->set, s, n, c->deny, why, sizeof why) : rules_check(s, n, why, sizeof why)) {
		ji_fail(c->err, c->name, 0, "'%.*s': %s", (int)n, s, why);
		c->err->exit_code = EXIT_USAGE;
		return -1;
	}
	return 0;
}

int egress_rule_check(const char *name, const char *rule, struct ji_err *err)
{
	struct check_ctx c = { name, err, NULL, 0 };

	return check_one(&c, rule, strlen(rule));
}

int egress_rule_list_check(const char *name, const char *list, struct ji_err *err)
{
	struct check_ctx c = { name, err, NULL, 0 };

	return each_rule(list, check_one, &c);
}

static int add_list(struct egress_policy *p, const char *name, const char *list, int deny, struct ji_err *err)
{
	struct check_ctx c = { name, err, &p->set, deny };

	return each_rule(list, check_one, &c);
}

static int add_one(struct egress_policy *p, const char *name, const char *rule, int deny, struct ji_err *err)
{
	struct check_ctx c = { name, err, &p->set, deny };

	return check_one(&c, rule, strlen(rule));
}

/* --allow-file: one rule a line (several on a line, separated by spaces,
 * are taken too), '#' to the end of the line a comment. */
static int add_file(struct egress_policy *p, const char *path, struct ji_err *err)
{
	static char buf[POLICY_FILE_MAX + 1];
	char where[64];
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		ji_fail(err, "--allow-file", errno, "cannot open '%s'", path);
		err->exit_code = EXIT_USAGE;
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + got, POLICY_FILE_MAX - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return ji_fail(err, "--allow-file", e, "reading '%s'", path);
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == POLICY_FILE_MAX) {
			close(fd);
			ji_fail(err, "--allow-file", EFBIG, "'%s' is larger than %zu bytes", path, POLICY_FILE_MAX);
			err->exit_code = EXIT_USAGE;
			return -1;
		}
	}
	close(fd);
	buf[got] = '\0';
	int line = 1;
	for (char *s = buf; *s; line++) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		char *hash = strchr(s, '#');
		if (hash)
			*hash = '\0';
		snprintf(where, sizeof where, "--allow-file %.32s:%d", path, line);
		/* the step name must outlive this call: the file's name is
		 * in the detail instead */
		if (add_list(p, "--allow-file", s, 0, err) != 0) {
			ji_context(err, where);
			return -1;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return 0;
}

int egress_policy_build(struct egress_policy *p, const struct options *o, struct ji_err *err)
{
	memset(p, 0, sizeof *p);
	for (int i = 0; i < o->n_allow; i++)
		if (add_one(p, "--allow", o->allow[i], 0, err) != 0)
			return -1;
	if (o->allow_env && add_list(p, "JAILINIT_ALLOW", o->allow_env, 0, err) != 0)
		return -1;
	if (o->allow_file && add_file(p, o->allow_file, err) != 0)
		return -1;
	for (int i = 0; i < o->n_deny; i++)
		if (add_one(p, "--deny", o->deny[i], 1, err) != 0)
			return -1;
	return 0;
}

void egress_policy_decide(const struct egress_policy *p, const char *host, uint16_t port, struct egress_verdict *v)
{
	const struct rule *r = rules_decide(&p->set, host, port);

	v->allowed = r != NULL && !r->deny;
	v->rule = r ? r->text : NULL;
	v->names_address = r != NULL && !r->deny && r->kind == RULE_CIDR;
}

const char *egress_policy_name_rule(const struct egress_policy *p, const char *name)
{
	const struct rule *r = rules_name_reachable(&p->set, name);
	return r ? r->text : NULL;
}

static int texts(const struct egress_policy *p, int deny, const char **out, int max)
{
	int k = 0;

	for (int i = 0; i < p->set.n && k < max; i++)
		if (p->set.r[i].deny == deny)
			out[k++] = p->set.r[i].text;
	return k;
}

void egress_policy_log(const struct egress_policy *p)
{
	static const char *allow[RULES_MAX], *deny[RULES_MAX];
	int na = texts(p, 0, allow, RULES_MAX), nd = texts(p, 1, deny, RULES_MAX);

	elog_write_rules(allow, na, deny, nd);
	for (int i = 0; i < na; i++)
		if (strncmp(allow[i], "*", 1) == 0 && (allow[i][1] == '\0' || allow[i][1] == ':'))
			log_msg(LOG_WARN, "egress: --allow %s allows every host%s", allow[i],
				allow[i][1] ? " on those ports" : " on ports 80 and 443");
}

void egress_policy_print(const struct egress_policy *p, int fd)
{
	char line[RULES_TEXT_MAX + 64];

	for (int i = 0; i < p->set.n; i++) {
		const struct rule *r = &p->set.r[i];
		int n = snprintf(line, sizeof line, "egress: %s %s\n", r->deny ? "deny " : "allow", r->text);
		if (n > 0)
			(void)log_write_all(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	}
}
