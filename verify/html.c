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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/jsonio.h"
#include "predicates/evaluation.h"
#include "verify/bom.h"

#define MAX_SVG_BYTES ((size_t)4 * 1024 * 1024)

extern char **environ;

/* HTML text and attribute values: & < > " ' escaped. */
static void
esc(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if ((unsigned char)*s < 0x20)
				fputc(' ', f);
			else
				fputc(*s, f);
		}
	}
}

/* Markdown: HTML-escaped, and every punctuation Markdown reads escaped. */
static void
mdesc(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (strchr("\\`*_{}[]()#+-.!|~", *s) != NULL) {
			fputc('\\', f);
			fputc(*s, f);
		} else if (*s == '<' || *s == '>' || *s == '&' || *s == '"' ||
			   *s == '\'') {
			char c[2] = {*s, '\0'};
			esc(f, c);
		} else if ((unsigned char)*s < 0x20) {
			fputc(' ', f);
		} else {
			fputc(*s, f);
		}
	}
}

struct page {
	FILE *f;
	int md;
};

static void
text(const struct page *pg, const char *s)
{
	if (pg->md)
		mdesc(pg->f, s);
	else
		esc(pg->f, s);
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
table_head(const struct page *pg, const char *const *cols, size_t n)
{
	size_t i;

	if (pg->md) {
		fputs("\n|", pg->f);
		for (i = 0; i < n; i++)
			fprintf(pg->f, " %s |", cols[i]);
		fputs("\n|", pg->f);
		for (i = 0; i < n; i++)
			fputs(" --- |", pg->f);
		fputc('\n', pg->f);
		return;
	}
	fputs("<table><thead><tr>", pg->f);
	for (i = 0; i < n; i++)
		fprintf(pg->f, "<th>%s</th>", cols[i]);
	fputs("</tr></thead><tbody>\n", pg->f);
}

static void
row(const struct page *pg, const char *cls, const char *const *cells, size_t n)
{
	size_t i;

	if (pg->md) {
		fputc('|', pg->f);
		for (i = 0; i < n; i++) {
			fputc(' ', pg->f);
			text(pg, cells[i] ? cells[i] : "");
			fputs(" |", pg->f);
		}
		fputc('\n', pg->f);
		return;
	}
	fprintf(pg->f, "<tr class=\"%s\">", cls);
	for (i = 0; i < n; i++) {
		fputs("<td>", pg->f);
		esc(pg->f, cells[i] ? cells[i] : "");
		fputs("</td>", pg->f);
	}
	fputs("</tr>\n", pg->f);
}

static void
table_end(const struct page *pg)
{
	fputs(pg->md ? "\n" : "</tbody></table>\n", pg->f);
}

static void
heading(const struct page *pg, const char *s)
{
	if (pg->md)
		fprintf(pg->f, "\n## %s\n", s);
	else
		fprintf(pg->f, "<h2>%s</h2>\n", s);
}

static void
rules(const struct page *pg, const json_t *report)
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
			    n ? ", " : "",
			    jsonio_str(x, "source") ? jsonio_str(x, "source")
						    : "?");
			if (n >= sizeof(ev))
				break;
		}
		snprintf(atlas, sizeof(atlas), "%s %s",
			 jsonio_str(atl, "id") ? jsonio_str(atl, "id") : "",
			 jsonio_str(atl, "name") ? jsonio_str(atl, "name")
						 : "");
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
dot_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static char *
dot_source(const json_t *bom)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	json_t *c;
	char label[600];

	if (f == NULL)
		return NULL;
	fputs("digraph lineage {\n  rankdir=LR;\n  node [shape=box];\n", f);
	json_array_foreach(json_object_get(bom, "components"), i, c)
	{
		snprintf(label, sizeof(label), "%s: %s", kind(c),
			 jsonio_str(c, "name") ? jsonio_str(c, "name") : "?");
		fprintf(f, "  n%zu [label=", i);
		dot_label(f, label);
		fputs("];\n", f);
	}
	json_array_foreach(json_object_get(bom, "services"), i, c)
	{
		snprintf(label, sizeof(label), "builder: %s",
			 jsonio_str(c, "name") ? jsonio_str(c, "name") : "?");
		fprintf(f, "  s%zu [shape=ellipse, label=", i);
		dot_label(f, label);
		fputs("];\n", f);
	}
	for (i = 1; i < json_array_size(json_object_get(bom, "components"));
	     i++)
		fprintf(f, "  n%zu -> n0;\n", i);
	for (i = 0; i < json_array_size(json_object_get(bom, "services")); i++)
		fprintf(f, "  s%zu -> n0;\n", i);
	fputs("}\n", f);
	fclose(f);
	return buf;
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
lineage_list(const struct page *pg, const json_t *bom)
{
	json_t *c;
	size_t i;
	const json_t *comps = json_object_get(bom, "components");
	const json_t *model = json_array_get(comps, 0);

	if (pg->md) {
		fputs("\n- model: ", pg->f);
		text(pg, jsonio_str(model, "name"));
		fputc('\n', pg->f);
	} else {
		fputs("<ul class=\"lineage\"><li>model: ", pg->f);
		esc(pg->f, jsonio_str(model, "name"));
		fputs("<ul>", pg->f);
	}
	json_array_foreach(comps, i, c)
	{
		if (i == 0)
			continue;
		fputs(pg->md ? "  - " : "<li>", pg->f);
		fprintf(pg->f, "%s: ", kind(c));
		text(pg, jsonio_str(c, "name"));
		fputs(pg->md ? "\n" : "</li>", pg->f);
	}
	json_array_foreach(json_object_get(bom, "services"), i, c)
	{
		fputs(pg->md ? "  - builder: " : "<li>builder: ", pg->f);
		text(pg, jsonio_str(c, "name"));
		fputs(pg->md ? "\n" : "</li>", pg->f);
	}
	if (!pg->md)
		fputs("</ul></li></ul>\n", pg->f);
}

static void
lineage(const struct page *pg, const json_t *bom)
{
	char *src = NULL, *svg = NULL, *start;

	heading(pg, "Lineage");
	if (!pg->md && (src = dot_source(bom)) != NULL)
		svg = dot_svg(src);
	/* SPEC-BOM-6 */
	if (svg != NULL && (start = strstr(svg, "<svg")) != NULL) {
		fputs("<div class=\"lineage\">", pg->f);
		fputs(start, pg->f);
		fputs("</div>\n", pg->f);
	} else {
		lineage_list(pg, bom);
	}
	free(src);
	free(svg);
}

static void
datasets(const struct page *pg, const json_t *bom)
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
metrics(const struct page *pg, const struct policy_view *v, const json_t *bom)
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
approvals(const struct page *pg, const json_t *bom)
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

static void
uncounted(const struct page *pg, const json_t *report)
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
	char *buf = NULL, line[256];
	size_t len = 0;
	const char *result = jsonio_str(v->report, "result");
	const json_t *ats = json_object_get(v->report, "attestations");

	pg.md = markdown;
	pg.f = open_memstream(&buf, &len);
	if (pg.f == NULL)
		return NULL;
	snprintf(
	    line, sizeof(line),
	    "%lld of %lld attestations verified under the policy's keys; "
	    "only those counted by a rule are shown",
	    (long long)json_integer_value(json_object_get(ats, "verified")),
	    (long long)json_integer_value(json_object_get(ats, "read")));
	if (markdown) {
		fputs("# Admission report: ", pg.f);
		text(&pg, v->artifact_name);
		fputs("\n\n**Verdict: ", pg.f);
		text(&pg, result ? result : "undecided");
		fputs("** under policy ", pg.f);
		text(&pg, v->p->path);
		fprintf(pg.f, " (sha256:%s)\n\n", v->p->sha256);
		text(&pg, line);
		fputc('\n', pg.f);
	} else {
		fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
		      "charset=\"utf-8\">\n<meta http-equiv="
		      "\"Content-Security-Policy\" content=\"default-src "
		      "'none'; style-src 'unsafe-inline'\">\n<title>Admission "
		      "report: ",
		      pg.f);
		esc(pg.f, v->artifact_name);
		fprintf(pg.f, "</title>\n<style>%s</style></head><body>\n",
			css);
		fputs("<h1>Admission report: ", pg.f);
		esc(pg.f, v->artifact_name);
		fputs("</h1>\n<p class=\"verdict\" id=\"verdict\">Verdict: ",
		      pg.f);
		esc(pg.f, result ? result : "undecided");
		fputs("</p>\n<p>Policy ", pg.f);
		esc(pg.f, v->p->path);
		fprintf(pg.f, " (sha256:%s). ", v->p->sha256);
		esc(pg.f, line);
		fputs(".</p>\n", pg.f);
	}
	rules(&pg, v->report);
	lineage(&pg, bom);
	datasets(&pg, bom);
	metrics(&pg, v, bom);
	approvals(&pg, bom);
	uncounted(&pg, v->report);
	if (!markdown)
		fputs("</body></html>\n", pg.f);
	if (fclose(pg.f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
