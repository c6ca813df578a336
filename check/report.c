/* check report: the report printed as text (one screen, the fix first) or
 * as one JSON object (schema 1). */
#include "check_report.h"
#include "../base/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- printing ----------------------------------------------------------- */

void check_json_string(FILE *out, const char *s)
{
	char esc[7];
	size_t n = s ? strlen(s) : 0, used;
	fputc('"', out);
	for (; n > 0; s += used, n -= used) {
		json_escape_char(s, n, 0, esc, &used);
		fputs(esc, out);
	}
	fputc('"', out);
}

static void json_caps(FILE *out, const char *key, uint64_t mask, int last, int comma)
{
	fprintf(out, "\"%s\":[", key);
	int first = 1;
	for (int i = 0; i <= last && i < 64; i++) {
		if (!(mask & CAPS_BIT(i)))
			continue;
		fprintf(out, "%s\"%s\"", first ? "" : ",", caps_name(i));
		first = 0;
	}
	fprintf(out, "]%s", comma ? "," : "");
}

static void json_int_or_null(FILE *out, long v)
{
	if (v < 0)
		fputs("null", out);
	else
		fprintf(out, "%ld", v);
}

void check_print_json(FILE *out, const struct options *o, const struct check_facts *f, const struct check_report *r)
{
	fprintf(out, "{\"schema\":1,\"ready\":%s,\"tier\":", r->ready ? "true" : "false");
	check_json_string(out, r->tier);
	fputs(",\"tier_detail\":", out);
	check_json_string(out, r->tier_detail);
	fprintf(out, ",\"config\":{\"net\":\"%s\",\"proxy_port\":", check_net_name(o->net));
	json_int_or_null(out, o->proxy_port ? o->proxy_port : -1);
	fputs(",\"hostname\":", out);
	if (o->hostname)
		check_json_string(out, o->hostname);
	else
		fputs("null", out);
	fputs("},\"runtime\":{\"name\":", out);
	check_json_string(out, f->have_runtime ? runtime_name(&f->rt) : "unknown");
	fputs(",\"engine\":", out);
	check_json_string(out, f->have_runtime ? runtime_engine_name(f->rt.engine) : "unknown");
	fputs(",\"orchestrator\":", out);
	const char *orch = f->have_runtime ? runtime_orchestrator_name(f->rt.orchestrator) : NULL;
	if (orch)
		check_json_string(out, orch);
	else
		fputs("null", out);
	fprintf(out, ",\"userns\":%s,\"evidence\":[", f->have_runtime && f->rt.userns ? "true" : "false");
	for (int i = 0; f->have_runtime && i < f->rt.n_evidence; i++) {
		if (i)
			fputc(',', out);
		check_json_string(out, f->rt.evidence[i]);
	}
	fputs("]},\"capabilities\":", out);
	if (f->caps_known) {
		fputc('{', out);
		json_caps(out, "effective", f->caps.effective, f->caps.last_cap, 1);
		json_caps(out, "permitted", f->caps.permitted, f->caps.last_cap, 1);
		json_caps(out, "inheritable", f->caps.inheritable, f->caps.last_cap, 1);
		json_caps(out, "bounding", f->caps.bounding, f->caps.last_cap, 1);
		json_caps(out, "ambient", f->caps.ambient, f->caps.last_cap, 0);
		fputc('}', out);
	} else {
		fputs("null", out);
	}
	fputs(",\"seccomp\":{\"mode\":", out);
	if (f->seccomp_mode < 0)
		fputs("null", out);
	else
		check_json_string(out, seccomp_mode_name(f->seccomp_mode));
	fputs(",\"filters\":", out);
	json_int_or_null(out, f->seccomp_filters);
	fputs(",\"no_new_privs\":", out);
	if (f->no_new_privs < 0)
		fputs("null", out);
	else
		fputs(f->no_new_privs ? "true" : "false", out);
	fputs("},\"landlock_abi\":", out);
	json_int_or_null(out, f->landlock_abi > 0 ? f->landlock_abi : -1);
	fprintf(out, ",\"real_steps\":\"%s\"",
		f->trial_state == TRIAL_RAN		? "ran"
		: f->trial_state == TRIAL_UNAVAILABLE ? "unavailable"
		: f->trial_state == TRIAL_SKIPPED     ? "skipped"
		: f->trial_state == TRIAL_FAILED_TO_RUN ? "failed-to-run"
						      : "not-run");
	fputs(",\"checks\":[", out);
	for (int i = 0; i < r->n_items; i++) {
		const struct check_item *it = &r->items[i];
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		check_json_string(out, it->name);
		/* status: the text's marks, so that a check that failed but
		 * does not matter here is not mistaken for a problem */
		fprintf(out, ",\"ok\":%s,\"required\":%s,\"status\":\"%s\",\"errno\":",
			it->ok < 0 ? "null" : it->ok ? "true" : "false", it->required ? "true" : "false",
			it->ok < 0 ? "n/a" : it->ok ? "ok" : it->required ? "failed" : "not-needed");
		if (it->errnum)
			check_json_string(out, ji_errno_name(it->errnum));
		else
			fputs("null", out);
		fputs(",\"detail\":", out);
		check_json_string(out, it->detail);
		fputc('}', out);
	}
	fputs("],\"fixes\":[", out);
	for (int i = 0; i < r->n_fixes; i++) {
		const struct check_fix *x = &r->fixes[i];
		fputs(i ? ",{\"runtime\":" : "{\"runtime\":", out);
		check_json_string(out, x->runtime);
		fputs(",\"kind\":", out);
		check_json_string(out, x->kind);
		fputs(",\"text\":", out);
		check_json_string(out, x->text);
		fputs(",\"note\":", out);
		check_json_string(out, x->note);
		fputc('}', out);
	}
	fputs("]}\n", out);
}

static void print_indented(FILE *out, const char *text, const char *indent)
{
	const char *line = text;
	while (*line) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);
		fprintf(out, "%s%.*s\n", indent, len, line);
		if (!nl)
			break;
		line = nl + 1;
	}
}

static int is_unused_probe(const struct check_item *it)
{
	return !it->required && strncmp(it->name, "filter:", 7) == 0 && strcmp(it->name, "filter:clone") != 0;
}

static const char *fix_title(const struct check_fix *x)
{
	if (strcmp(x->kind, "least-privilege") == 0)
		return "least privilege";
	if (strcmp(x->kind, "seed-profile") == 0)
		return "alternative, the seed profile";
	if (strcmp(x->kind, "runtime") == 0)
		return "alternative runtime";
	if (strcmp(x->kind, "testing-only") == 0)
		return "TESTING ONLY";
	if (strcmp(x->kind, "host") == 0)
		return "on the host";
	if (strcmp(x->kind, "unsupported") == 0)
		return "unsupported runtime";
	if (strcmp(x->kind, "option") == 0)
		return "change jailinit's options";
	return x->kind;
}

void check_print_text(FILE *out, const struct options *o, const struct check_facts *f, const struct check_report *r,
		      int failures_only)
{
	if (!failures_only) {
		fprintf(out, "jailinit check: --net %s", check_net_name(o->net));
		if (o->proxy_port)
			fprintf(out, " --proxy-port %u", (unsigned)o->proxy_port);
		if (o->hostname)
			fprintf(out, " --hostname %s", o->hostname);
		fputc('\n', out);
		if (f->have_runtime) {
			fprintf(out, "runtime: %s", runtime_name(&f->rt));
			for (int i = 0; i < f->rt.n_evidence; i++)
				fprintf(out, "%s%s", i ? "; " : " (", f->rt.evidence[i]);
			fputs(f->rt.n_evidence ? ")\n" : "\n", out);
		}
	}
	int unused = 0, steps_ok = 0, steps_not_reached = 0;
	for (int i = 0; i < r->n_items; i++) {
		const struct check_item *it = &r->items[i];
		if (failures_only && !(it->ok == 0 && it->required))
			continue;
		if (!failures_only && is_unused_probe(it)) {
			unused++;
			continue;
		}
		if (!failures_only && strncmp(it->name, "step:", 5) == 0 && it->ok != 0) {
			/* passed and not reached real steps: one line each, below */
			if (it->ok > 0)
				steps_ok++;
			else
				steps_not_reached++;
			continue;
		}
		const char *mark = it->ok > 0 ? "  ok  " : it->ok < 0 ? "  --  " : it->required ? "FAILED" : "  no  ";
		fprintf(out, "%s %-25s", mark, it->name);
		if (it->errnum && it->ok <= 0)
			fprintf(out, " %s:", ji_errno_name(it->errnum));
		fprintf(out, " %s\n", it->detail);
	}
	for (int pass = 0; pass < 2; pass++) {
		int count = pass == 0 ? steps_ok : steps_not_reached;
		if (!count)
			continue;
		fprintf(out, "%s %-25s", pass == 0 ? "  ok  " : "  --  ", pass == 0 ? "real steps" : "not reached");
		int first = 1;
		for (int i = 0; i < r->n_items; i++) {
			const struct check_item *it = &r->items[i];
			if (strncmp(it->name, "step:", 5) != 0 || it->ok != (pass == 0 ? 1 : -1))
				continue;
			fprintf(out, "%s%s", first ? " " : ", ", it->name + 5);
			first = 0;
		}
		fputc('\n', out);
	}
	if (unused) {
		/* The syscalls the jail does not use, on one line. */
		fprintf(out, "  --   %-25s", "filter (unused by jail)");
		for (int i = 0; i < r->n_items; i++) {
			const struct check_item *it = &r->items[i];
			if (!is_unused_probe(it))
				continue;
			fprintf(out, " %s %s%s", it->name + strlen("filter:"),
				it->errnum ? ji_errno_name(it->errnum) : "killed",
				it->ok > 0 ? "" : it->ok == 0 ? " (refused)" : " (?)");
		}
		fputc('\n', out);
	}
	if (r->ready)
		fprintf(out, "verdict: READY (tier %s: %s)\n", r->tier, r->tier_detail);
	else
		fprintf(out, "verdict: NOT READY for --net %s (tier %s: %s)\n", check_net_name(o->net), r->tier,
			r->tier_detail);
	for (int i = 0; i < r->n_fixes; i++) {
		const struct check_fix *x = &r->fixes[i];
		fprintf(out, "fix %d (%s, %s):\n", i + 1, x->runtime, fix_title(x));
		print_indented(out, x->text, "    ");
		if (x->note[0])
			fprintf(out, "    # %s\n", x->note);
	}
}

