/* rules: see rules.h. */
#include "rules.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int parse_port(const char *s, size_t n, uint16_t *out)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int parse_ports(const char *s, size_t n, struct rule *r, char *why, size_t cap)
{
	size_t i = 0;

	r->n_ports = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && s[j] != ',')
			j++;
		const char *dash = memchr(s + i, '-', j - i);
		uint16_t lo, hi;
		if (r->n_ports == RULES_MAX_PORT_RANGES) {
			snprintf(why, cap, "more than %d port ranges", RULES_MAX_PORT_RANGES);
			return -1;
		}
		if (dash ? parse_port(s + i, (size_t)(dash - s - i), &lo) || parse_port(dash + 1, (size_t)(s + j - dash - 1), &hi)
			 : parse_port(s + i, j - i, &lo)) {
			snprintf(why, cap, "'%.*s' is not a port (1-65535) or a range (1-65535)", (int)(j - i), s + i);
			return -1;
		}
		if (!dash)
			hi = lo;
		if (lo > hi) {
			snprintf(why, cap, "the range '%.*s' runs backwards", (int)(j - i), s + i);
			return -1;
		}
		r->lo[r->n_ports] = lo;
		r->hi[r->n_ports] = hi;
		r->n_ports++;
		i = j + 1;
	}
	return 0;
}

static int valid_name(const char *s, size_t n)
{
	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '.' || ch == '_'))
			return 0;
		if (ch == '.' && i + 1 < n && s[i + 1] == '.')
			return 0;
	}
	return 1;
}

static void lower(char *dst, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		char ch = s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		dst[i] = ch;
	}
	dst[n] = '\0';
}

/* "A.B.C.D" or "A.B.C.D/N" */
static int parse_cidr(const char *s, size_t n, struct rule *r)
{
	char tmp[20];
	const char *slash = memchr(s, '/', n);
	size_t an = slash ? (size_t)(slash - s) : n;
	struct in_addr a;
	unsigned pfx = 32;

	if (an == 0 || an >= sizeof tmp)
		return -1;
	memcpy(tmp, s, an);
	tmp[an] = '\0';
	if (inet_pton(AF_INET, tmp, &a) != 1)
		return -1;
	if (slash) {
		size_t pn = n - an - 1;
		if (pn == 0 || pn > 2)
			return -1;
		pfx = 0;
		for (size_t i = 0; i < pn; i++) {
			if (slash[1 + i] < '0' || slash[1 + i] > '9')
				return -1;
			pfx = pfx * 10 + (unsigned)(slash[1 + i] - '0');
		}
		if (pfx > 32)
			return -1;
	}
	r->mask = pfx ? 0xffffffffu << (32 - pfx) : 0;
	r->net = ntohl(a.s_addr) & r->mask;
	return 0;
}

int rules_parse(const char *s, size_t n, int deny, struct rule *r, char *why, size_t cap)
{
	memset(r, 0, sizeof *r);
	r->deny = deny;
	if (n == 0) {
		snprintf(why, cap, "empty rule");
		return -1;
	}
	if (n >= RULES_TEXT_MAX) {
		snprintf(why, cap, "longer than %d bytes", RULES_TEXT_MAX - 1);
		return -1;
	}
	memcpy(r->text, s, n);
	r->text[n] = '\0';
	if (s[0] == '@') {
		snprintf(why, cap, "a preset stands for several rules, not one");
		return -1;
	}
	/* HOST ends at the last ':' (an IPv4 host has none) */
	const char *colon = memchr(s, ':', n);
	size_t hn = colon ? (size_t)(colon - s) : n;
	if (colon) {
		if (parse_ports(colon + 1, n - hn - 1, r, why, cap) != 0)
			return -1;
	} else {
		r->lo[0] = r->hi[0] = 80;
		r->lo[1] = r->hi[1] = 443;
		r->n_ports = 2;
	}
	size_t h_end = hn > 1 && s[hn - 1] == '.' ? hn - 1 : hn;
	if (hn == 1 && s[0] == '*') {
		r->kind = RULE_ANY;
	} else if (parse_cidr(s, hn, r) == 0) {
		r->kind = RULE_CIDR;
	} else if (hn > 2 && s[0] == '*' && s[1] == '.' && valid_name(s + 2, h_end - 2)) {
		r->kind = RULE_SUFFIX;
		lower(r->name, s + 1, h_end - 1);
	} else if (valid_name(s, h_end) && memchr(s, '*', hn) == NULL) {
		r->kind = RULE_NAME;
		lower(r->name, s, h_end);
	} else {
		snprintf(why, cap, "'%.*s' is not a host name, *.name, an IPv4 address or CIDR, or *", (int)hn, s);
		return -1;
	}
	return 0;
}

/* ---- presets: what agents need all day (docs/egress.md lists them) ---- */

static const char *const preset_npm[] = { "registry.npmjs.org:443", "registry.yarnpkg.com:443", NULL };
static const char *const preset_pypi[] = { "pypi.org:443", "files.pythonhosted.org:443", NULL };
/* git over https and ssh (also ssh.github.com:443), the API, codeload,
 * raw files, release assets and LFS objects */
static const char *const preset_github[] = { "github.com:22,443", "*.github.com:443",
					     "*.githubusercontent.com:443", NULL };
static const char *const preset_debian[] = { "deb.debian.org:80,443", "security.debian.org:80,443", NULL };
static const char *const preset_anthropic[] = { "api.anthropic.com:443", "console.anthropic.com:443",
						"statsig.anthropic.com:443", "claude.ai:443", NULL };
static const char *const preset_openai[] = { "api.openai.com:443", "auth.openai.com:443", NULL };

static const struct rules_preset presets[] = {
	{ "@npm", "the npm registry (npm, yarn, pnpm installs)", preset_npm },
	{ "@pypi", "the Python Package Index (pip, uv)", preset_pypi },
	{ "@github", "GitHub: git over https and ssh, the API, raw files, releases", preset_github },
	{ "@debian", "Debian's archive and security updates (apt)", preset_debian },
	{ "@anthropic", "Anthropic's API and sign-in (Claude Code)", preset_anthropic },
	{ "@openai", "OpenAI's API and sign-in (Codex)", preset_openai },
};

const struct rules_preset *rules_presets(size_t *count)
{
	*count = sizeof presets / sizeof presets[0];
	return presets;
}

static const struct rules_preset *find_preset(const char *s, size_t n, char *why, size_t cap)
{
	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
		if (strlen(presets[i].name) == n && strncasecmp(presets[i].name, s, n) == 0)
			return &presets[i];
	snprintf(why, cap, "'%.*s' is not a preset (the presets: @npm @pypi @github @debian @anthropic @openai)",
		 (int)(n > 64 ? 64 : n), s);
	return NULL;
}

int rules_check(const char *s, size_t n, char *why, size_t cap)
{
	struct rule r;
	if (n > 0 && s[0] == '@')
		return find_preset(s, n, why, cap) ? 0 : -1;
	return rules_parse(s, n, 0, &r, why, cap);
}

int rules_add(struct rules_set *set, const char *s, size_t n, int deny, char *why, size_t cap)
{
	const struct rules_preset *p = NULL;
	size_t need = 1;
	if (n > 0 && s[0] == '@') {
		if ((p = find_preset(s, n, why, cap)) == NULL)
			return -1;
		for (need = 0; p->rules[need]; need++)
			;
	}
	if (need > (size_t)(RULES_MAX - set->n)) {
		snprintf(why, cap, "more than %d rules", RULES_MAX);
		return -1;
	}
	if (p == NULL) {
		if (rules_parse(s, n, deny, &set->r[set->n], why, cap) != 0)
			return -1;
		set->n++;
		return 0;
	}
	for (size_t i = 0; i < need; i++) {
		struct rule *r = &set->r[set->n + (int)i];
		if (rules_parse(p->rules[i], strlen(p->rules[i]), deny, r, why, cap) != 0)
			return -1; /* a preset of ours that does not parse: the unit test says so */
		snprintf(r->text, sizeof r->text, "%s (%s)", p->rules[i], p->name);
	}
	set->n += (int)need;
	return 0;
}

static int host_matches(const struct rule *r, const char *host, size_t hn, int is_addr, uint32_t addr)
{
	switch (r->kind) {
	case RULE_ANY:
		return 1;
	case RULE_CIDR:
		return is_addr && (addr & r->mask) == r->net;
	case RULE_NAME:
		return !is_addr && strlen(r->name) == hn && strncasecmp(r->name, host, hn) == 0;
	case RULE_SUFFIX: {
		size_t sn = strlen(r->name);
		return !is_addr && hn > sn && strncasecmp(host + hn - sn, r->name, sn) == 0;
	}
	}
	return 0;
}

static int port_matches(const struct rule *r, uint16_t port)
{
	for (int i = 0; i < r->n_ports; i++)
		if (port >= r->lo[i] && port <= r->hi[i])
			return 1;
	return 0;
}

const struct rule *rules_decide(const struct rules_set *set, const char *host, uint16_t port)
{
	size_t hn = strlen(host);
	struct in_addr a;
	int is_addr = inet_pton(AF_INET, host, &a) == 1;
	uint32_t addr = is_addr ? ntohl(a.s_addr) : 0;
	const struct rule *allow = NULL;

	if (hn > 1 && host[hn - 1] == '.')
		hn--;
	for (int pass = 1; pass >= 0; pass--)
		for (int i = 0; i < set->n; i++) {
			const struct rule *r = &set->r[i];
			if (r->deny != pass || !host_matches(r, host, hn, is_addr, addr) || !port_matches(r, port))
				continue;
			if (pass)
				return r;
			if (!allow)
				allow = r;
		}
	return allow;
}

/* A port of [lo, hi] that no deny rule matching the name takes. */
static int some_port_left(const struct rules_set *set, const char *name, size_t hn, uint32_t lo, uint32_t hi)
{
	uint32_t p = lo;
	while (p <= hi) {
		uint32_t next = p;
		for (int i = 0; i < set->n && next == p; i++) {
			const struct rule *d = &set->r[i];
			if (!d->deny || !host_matches(d, name, hn, 0, 0))
				continue;
			for (int k = 0; k < d->n_ports; k++)
				if (p >= d->lo[k] && p <= d->hi[k]) {
					next = (uint32_t)d->hi[k] + 1;
					break;
				}
		}
		if (next == p)
			return 1;
		p = next; /* past the deny range that took p */
	}
	return 0;
}

const struct rule *rules_name_reachable(const struct rules_set *set, const char *name)
{
	size_t hn = strlen(name);

	if (hn > 1 && name[hn - 1] == '.')
		hn--;
	for (int i = 0; i < set->n; i++) {
		const struct rule *r = &set->r[i];
		if (r->deny || !host_matches(r, name, hn, 0, 0))
			continue;
		for (int k = 0; k < r->n_ports; k++)
			if (some_port_left(set, name, hn, r->lo[k], r->hi[k]))
				return r;
	}
	return NULL;
}
