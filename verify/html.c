/*
 * verify report --format html|markdown (spec/bom.md §4): one page for an
 * auditor from what verify policy decided and counted. Every string that
 * came from an attestation, the policy or the command line is escaped
 * (SPEC-BOM-5); the lineage is an SVG laid out by Graphviz dot from
 * escaped dot input, or a nested list when dot cannot be run (SPEC-BOM-6).
 */
/* mkostemp: temp files are close-on-exec from the start. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/dynbuf.h"
#include "lib/fileio.h"
#include "lib/jsonio.h"
#include "predicates/evaluation.h"
#include "verify/bom.h"

#define MAX_SVG_BYTES ((size_t)4 * 1024 * 1024)
#define MAX_PAGE_BYTES ((size_t)64 * 1024 * 1024)

extern char **environ;

/* The page being written; a failure to grow is remembered, not lost. */
struct page {
	struct dynbuf d;
	int md;
	int failed;
};

static void
putn(struct page *pg, const char *s, size_t n)
{
	if (dynbuf_add(&pg->d, s, n) != 0)
		pg->failed = 1;
}

static void
put(struct page *pg, const char *s)
{
	putn(pg, s, strlen(s));
}

static void
putch(struct page *pg, char c)
{
	putn(pg, &c, 1);
}

static void putf(struct page *pg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
putf(struct page *pg, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		pg->failed = 1;
	else
		putn(pg, buf, (size_t)n);
}

/* HTML text and attribute values: & < > " ' escaped. */
static void
esc(struct page *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			put(f, "&amp;");
			break;
		case '<':
			put(f, "&lt;");
			break;
		case '>':
			put(f, "&gt;");
			break;
		case '"':
			put(f, "&quot;");
			break;
		case '\'':
			put(f, "&#39;");
			break;
		default:
			if ((unsigned char)*s < 0x20)
				putch(f, ' ');
			else
				putch(f, *s);
		}
	}
}

/* Markdown: HTML-escaped, and every punctuation Markdown reads escaped. */
static void
mdesc(struct page *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (strchr("\\`*_{}[]()#+-.!|~", *s) != NULL) {
			putch(f, '\\');
			putch(f, *s);
		} else if (*s == '<' || *s == '>' || *s == '&' || *s == '"' ||
			   *s == '\'') {
			char c[2] = {*s, '\0'};
			esc(f, c);
		} else if ((unsigned char)*s < 0x20) {
			putch(f, ' ');
		} else {
			putch(f, *s);
		}
	}
}

static void
text(struct page *pg, const char *s)
{
	if (pg->md)
		mdesc(pg, s);
	else
		esc(pg, s);
}

static const char *
prop_get(const json_t *el, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(el, "properties"), i, p)
	{
		const char *n = jsonio_str(p, "name");
		if (n != NULL && strcmp(n, name) == 0)
			return jsonio_str(p, "value");
	}
	return NULL;
}

/* Table helpers: a header row, then cells; HTML or Markdown. */
static void
table_head(struct page *pg, const char *const *cols, size_t n)
{
	size_t i;

	if (pg->md) {
		put(pg, "\n|");
		for (i = 0; i < n; i++)
			putf(pg, " %s |", cols[i]);
		put(pg, "\n|");
		for (i = 0; i < n; i++)
			put(pg, " --- |");
		putch(pg, '\n');
		return;
	}
	put(pg, "<table><thead><tr>");
	for (i = 0; i < n; i++)
		putf(pg, "<th>%s</th>", cols[i]);
	put(pg, "</tr></thead><tbody>\n");
}

static void
row(struct page *pg, const char *cls, const char *const *cells, size_t n)
{
	size_t i;

	if (pg->md) {
		putch(pg, '|');
		for (i = 0; i < n; i++) {
			putch(pg, ' ');
			text(pg, cells[i] ? cells[i] : "");
			put(pg, " |");
		}
		putch(pg, '\n');
		return;
	}
	putf(pg, "<tr class=\"%s\">", cls);
	for (i = 0; i < n; i++) {
		put(pg, "<td>");
		esc(pg, cells[i] ? cells[i] : "");
		put(pg, "</td>");
	}
	put(pg, "</tr>\n");
}

static void
table_end(struct page *pg)
{
	put(pg, pg->md ? "\n" : "</tbody></table>\n");
}

static void
heading(struct page *pg, const char *s)
{
	if (pg->md)
		putf(pg, "\n## %s\n", s);
	else
		putf(pg, "<h2>%s</h2>\n", s);
}

static void
rules(struct page *pg, const json_t *report)
{
	static const char *const cols[] = {"Rule", "Outcome", "Evidence",
					   "ATLAS", "Reason"};
	size_t i, j;
	json_t *r;

	heading(pg, "Rules");
	table_head(pg, cols, 5);
	json_array_foreach(json_object_get(report, "rules"), i, r)
	{
		char ev[1024], atlas[512];
		const json_t *atl = json_object_get(r, "atlas");
		size_t n = 0;
		const char *cells[5];

		ev[0] = '\0';
		for (j = 0; j < json_array_size(json_object_get(r, "evidence"));
		     j++) {
			const json_t *x =
			    json_array_get(json_object_get(r, "evidence"), j);
			n += (size_t)snprintf(
			    ev + n, n < sizeof(ev) ? sizeof(ev) - n : 0, "%s%s",
			    n ? ", " : "", jsonio_str_or(x, "source", "?"));
			if (n >= sizeof(ev))
				break;
		}
		snprintf(atlas, sizeof(atlas), "%s %s",
			 jsonio_str_or(atl, "id", ""),
			 jsonio_str_or(atl, "name", ""));
		cells[0] = jsonio_str(r, "id");
		cells[1] = jsonio_str(r, "outcome");
		cells[2] = ev;
		cells[3] = atlas;
		cells[4] = jsonio_str(r, "reason");
		row(pg, "rule", cells, 5);
	}
	table_end(pg);
}

static const char *
kind(const json_t *c)
{
	const char *t = jsonio_str(c, "type");

	if (prop_get(c, "mlattest:role") != NULL)
		return "base model";
	if (t != NULL && strcmp(t, "data") == 0)
		return "dataset";
	if (t != NULL && strcmp(t, "application") == 0)
		return "training code";
	return "model";
}

/* dot input: every label a quoted string with \ and " escaped. */
static void
dot_label(struct page *f, const char *s)
{
	putch(f, '"');
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			putch(f, '\\');
		if ((unsigned char)*s < 0x20)
			putch(f, ' ');
		else
			putch(f, *s);
	}
	putch(f, '"');
}

static char *
dot_source(const json_t *bom)
{
	struct page pg, *f = &pg;
	size_t i;
	json_t *c;
	char label[600];

	pg.failed = 0;
	pg.md = 0;
	dynbuf_init(&pg.d, MAX_SVG_BYTES);
	put(f, "digraph lineage {\n  rankdir=LR;\n  node [shape=box];\n");
	json_array_foreach(json_object_get(bom, "components"), i, c)
	{
		snprintf(label, sizeof(label), "%s: %s", kind(c),
			 jsonio_str_or(c, "name", "?"));
		putf(f, "  n%zu [label=", i);
		dot_label(f, label);
		put(f, "];\n");
	}
	json_array_foreach(json_object_get(bom, "services"), i, c)
	{
		snprintf(label, sizeof(label), "builder: %s",
			 jsonio_str_or(c, "name", "?"));
		putf(f, "  s%zu [shape=ellipse, label=", i);
		dot_label(f, label);
		put(f, "];\n");
	}
	for (i = 1; i < json_array_size(json_object_get(bom, "components"));
	     i++)
		putf(f, "  n%zu -> n0;\n", i);
	for (i = 0; i < json_array_size(json_object_get(bom, "services")); i++)
		putf(f, "  s%zu -> n0;\n", i);
	put(f, "}\n");
	if (pg.failed) {
		dynbuf_clear(&pg.d);
		return NULL;
	}
	return pg.d.p;
}

/* dot -Tsvg over src, or NULL when dot is missing or fails. */
static char *
dot_svg(const char *src)
{
	char in[] = "/tmp/mlattest-dot-XXXXXX";
	char out[] = "/tmp/mlattest-svg-XXXXXX";
	char *argv[] = {"dot", "-Tsvg", "-o", out, in, NULL};
	unsigned char *svg = NULL;
	struct err e = ERR_INIT;
	int fd, ofd, st = -1;
	size_t len = 0;
	pid_t pid;

	fd = mkostemp(in, O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ofd = mkostemp(out, O_CLOEXEC);
	if (ofd < 0 || file_write_all(fd, src, strlen(src)) != 0) {
		close(fd);
		unlink(in);
		if (ofd >= 0) {
			close(ofd);
			unlink(out);
		}
		return NULL;
	}
	close(fd);
	close(ofd);
	if (posix_spawnp(&pid, "dot", NULL, NULL, argv, environ) == 0)
		while (waitpid(pid, &st, 0) < 0)
			;
	if (st == 0 && file_read(&svg, &len, out, MAX_SVG_BYTES, &e) != 0)
		svg = NULL;
	unlink(in);
	unlink(out);
	if (st != 0 || svg == NULL) {
		free(svg);
		return NULL;
	}
	return (char *)svg;
}

static void
lineage_list(struct page *pg, const json_t *bom)
{
	json_t *c;
	size_t i;
	const json_t *comps = json_object_get(bom, "components");
	const json_t *model = json_array_get(comps, 0);

	if (pg->md) {
		put(pg, "\n- model: ");
		text(pg, jsonio_str(model, "name"));
		putch(pg, '\n');
	} else {
		put(pg, "<ul class=\"lineage\"><li>model: ");
		esc(pg, jsonio_str(model, "name"));
		put(pg, "<ul>");
	}
	json_array_foreach(comps, i, c)
	{
		if (i == 0)
			continue;
		put(pg, pg->md ? "  - " : "<li>");
		putf(pg, "%s: ", kind(c));
		text(pg, jsonio_str(c, "name"));
		put(pg, pg->md ? "\n" : "</li>");
	}
	json_array_foreach(json_object_get(bom, "services"), i, c)
	{
		put(pg, pg->md ? "  - builder: " : "<li>builder: ");
		text(pg, jsonio_str(c, "name"));
		put(pg, pg->md ? "\n" : "</li>");
	}
	if (!pg->md)
		put(pg, "</ul></li></ul>\n");
}

static void
lineage(struct page *pg, const json_t *bom)
{
	char *src = NULL, *svg = NULL, *start;

	heading(pg, "Lineage");
	if (!pg->md && (src = dot_source(bom)) != NULL)
		svg = dot_svg(src);
	/* SPEC-BOM-6 */
	if (svg != NULL && (start = strstr(svg, "<svg")) != NULL) {
		put(pg, "<div class=\"lineage\">");
		put(pg, start);
		put(pg, "</div>\n");
	} else {
		lineage_list(pg, bom);
	}
	free(src);
	free(svg);
}

static void
datasets(struct page *pg, const json_t *bom)
{
	static const char *const cols[] = {"Dataset", "Classification",
					   "Licence", "SHA-256", "Attestation"};
	size_t i;
	json_t *c;

	heading(pg, "Datasets");
	table_head(pg, cols, 5);
	json_array_foreach(json_object_get(bom, "components"), i, c)
	{
		const char *cells[5];
		if (strcmp(kind(c), "dataset") != 0)
			continue;
		cells[0] = jsonio_str(c, "name");
		cells[1] =
		    jsonio_str(json_array_get(json_object_get(c, "data"), 0),
			       "classification");
		cells[2] = jsonio_str(
		    json_object_get(
			json_array_get(json_object_get(c, "licenses"), 0),
			"license"),
		    "name");
		cells[3] = jsonio_str(
		    json_array_get(json_object_get(c, "hashes"), 0), "content");
		cells[4] = prop_get(c, "mlattest:attestation:source");
		row(pg, "dataset", cells, 5);
	}
	table_end(pg);
}

static void
metrics(struct page *pg, const struct policy_view *v, const json_t *bom)
{
	static const char *const cols[] = {"Metric", "Value", "Threshold",
					   "Measured on"};
	const json_t *model =
	    json_array_get(json_object_get(bom, "components"), 0);
	const json_t *pm =
	    json_object_get(json_object_get(json_object_get(model, "modelCard"),
					    "quantitativeAnalysis"),
			    "performanceMetrics");
	size_t i, k;
	json_t *m;

	heading(pg, "Metrics");
	table_head(pg, cols, 4);
	json_array_foreach(pm, i, m)
	{
		char th[128] = "";
		const char *cells[4];
		for (k = 0; k < v->p->nmetrics; k++)
			if (jsonio_str(m, "type") != NULL &&
			    strcmp(v->p->metrics[k].name,
				   jsonio_str(m, "type")) == 0)
				snprintf(th, sizeof(th), "%s %.15g",
					 eval_op_str(v->p->metrics[k].op),
					 v->p->metrics[k].value);
		cells[0] = jsonio_str(m, "type");
		cells[1] = jsonio_str(m, "value");
		cells[2] = th[0] ? th : "(none)";
		cells[3] = jsonio_str(m, "slice");
		row(pg, "metric", cells, 4);
	}
	table_end(pg);
}

static void
approvals(struct page *pg, const json_t *bom)
{
	static const char *const cols[] = {"Approver", "Stage", "Decision",
					   "Approved", "Expires"};
	const json_t *model =
	    json_array_get(json_object_get(bom, "components"), 0);
	char name[96];
	size_t n;

	heading(pg, "Approvals");
	table_head(pg, cols, 5);
	for (n = 1;; n++) {
		static const char *const f[] = {"approver", "stage", "decision",
						"approvedOn", "expiresOn"};
		const char *cells[5];
		size_t k;
		for (k = 0; k < 5; k++) {
			snprintf(name, sizeof(name), "mlattest:approval:%zu:%s",
				 n, f[k]);
			cells[k] = prop_get(model, name);
		}
		if (cells[1] == NULL)
			break;
		row(pg, "approval", cells, 5);
	}
	table_end(pg);
}

/* §5.8: what traced runs read outside their declared inputs. */
static void
undeclared(struct page *pg, const json_t *bom)
{
	static const char *const cols[] = {"Path", "SHA-256", "How",
					   "Attestation"};
	static const char *const f[] = {"path", "sha256", "how", "attestation"};
	const json_t *model =
	    json_array_get(json_object_get(bom, "components"), 0);
	const char *unlisted =
	    prop_get(model, "mlattest:undeclaredInputs:unlisted");
	char name[96];
	size_t n, k;

	if (prop_get(model, "mlattest:undeclaredInput:1:path") == NULL &&
	    unlisted == NULL)
		return;
	heading(pg, "Undeclared inputs");
	table_head(pg, cols, 4);
	for (n = 1;; n++) {
		const char *cells[4];
		for (k = 0; k < 4; k++) {
			snprintf(name, sizeof(name),
				 "mlattest:undeclaredInput:%zu:%s", n, f[k]);
			cells[k] = prop_get(model, name);
		}
		if (cells[0] == NULL)
			break;
		row(pg, "undeclared", cells, 4);
	}
	if (unlisted != NULL) {
		const char *cells[4] = {"(not listed by the trace)", "",
					unlisted, ""};
		row(pg, "undeclared", cells, 4);
	}
	table_end(pg);
}

static void
uncounted(struct page *pg, const json_t *report)
{
	static const char *const cols[] = {"Attestation",
					   "Why it did not count"};
	long long n;
	size_t i;
	json_t *u;

	heading(pg, "Not counted");
	table_head(pg, cols, 2);
	json_array_foreach(json_object_get(report, "uncounted"), i, u)
	{
		const char *cells[2] = {jsonio_str(u, "source"),
					jsonio_str(u, "reason")};
		row(pg, "uncounted", cells, 2);
	}
	n = json_integer_value(json_object_get(
	    json_object_get(report, "attestations"), "unverified"));
	if (n > 0) {
		char what[64];
		const char *cells[2] = {what,
					"no signature verified under a policy "
					"key, or not a well-formed statement"};
		snprintf(what, sizeof(what), "%lld entries", n);
		row(pg, "uncounted", cells, 2);
	}
	table_end(pg);
}

static const char css[] =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #bbb;padding:.3em .6em;text-align:left;"
    "vertical-align:top;font-size:90%}"
    "th{background:#eee}.verdict{font-size:140%;font-weight:bold}"
    "div.lineage svg{max-width:100%;height:auto}";

char *
html_page(const struct policy_view *v, const json_t *bom, int markdown)
{
	struct page pg;
	char line[256];
	const char *result = jsonio_str(v->report, "result");
	const json_t *ats = json_object_get(v->report, "attestations");

	pg.md = markdown;
	pg.failed = 0;
	dynbuf_init(&pg.d, MAX_PAGE_BYTES);
	snprintf(
	    line, sizeof(line),
	    "%lld of %lld attestations verified under the policy's keys; "
	    "only those counted by a rule are shown",
	    (long long)json_integer_value(json_object_get(ats, "verified")),
	    (long long)json_integer_value(json_object_get(ats, "read")));
	if (markdown) {
		put(&pg, "# Admission report: ");
		text(&pg, v->artifact_name);
		put(&pg, "\n\n**Verdict: ");
		text(&pg, result ? result : "undecided");
		put(&pg, "** under policy ");
		text(&pg, v->p->path);
		putf(&pg, " (sha256:%s)\n\n", v->p->sha256);
		text(&pg, line);
		putch(&pg, '\n');
	} else {
		put(&pg,
		    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
		    "charset=\"utf-8\">\n<meta http-equiv="
		    "\"Content-Security-Policy\" content=\"default-src "
		    "'none'; style-src 'unsafe-inline'\">\n<title>Admission "
		    "report: ");
		esc(&pg, v->artifact_name);
		putf(&pg, "</title>\n<style>%s</style></head><body>\n", css);
		put(&pg, "<h1>Admission report: ");
		esc(&pg, v->artifact_name);
		put(&pg,
		    "</h1>\n<p class=\"verdict\" id=\"verdict\">Verdict: ");
		esc(&pg, result ? result : "undecided");
		put(&pg, "</p>\n<p>Policy ");
		esc(&pg, v->p->path);
		putf(&pg, " (sha256:%s). ", v->p->sha256);
		esc(&pg, line);
		put(&pg, ".</p>\n");
	}
	rules(&pg, v->report);
	lineage(&pg, bom);
	datasets(&pg, bom);
	metrics(&pg, v, bom);
	approvals(&pg, bom);
	undeclared(&pg, bom);
	uncounted(&pg, v->report);
	if (!markdown)
		put(&pg, "</body></html>\n");
	if (pg.failed) {
		dynbuf_clear(&pg.d);
		return NULL;
	}
	return pg.d.p;
}
