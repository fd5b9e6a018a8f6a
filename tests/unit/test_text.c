/* text: the line escaper every program prints through (SPEC-VER-6). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "tests/unit/testutil.h"

struct line_case {
	const char *in, *out;
};

static const struct line_case line_cases[] = {
    {"plain text\n", "plain text\n"},
    {"tab\tkept\n", "tab\tkept\n"},
    {"\x1b[31mred", "\\x1b[31mred"},
    {"a\rb", "a\\x0db"},
    {"del\x7f", "del\\x7f"},
    {"bidi \xe2\x80\xae x", "bidi \\xe2\\x80\\xae x"},
    {"isolate \xe2\x81\xa6", "isolate \\xe2\\x81\\xa6"},
    {"already \\x1b escaped", "already \\x1b escaped"},
    {"", ""},
};

START_TEST(test_line)
{
	const struct line_case *c = &line_cases[_i];
	char *out = NULL;

	ck_assert_int_eq(text_escape_line(&out, c->in), 0);
	ck_assert_str_eq(out, c->out);
	free(out);
}
END_TEST

START_TEST(test_line_long)
{
	size_t n = (size_t)1024 * 1024;
	char *in = malloc(n + 1), *out = NULL;

	ck_assert_ptr_nonnull(in);
	memset(in, '\x1b', n);
	in[n] = '\0';
	ck_assert_int_eq(text_escape_line(&out, in), 0);
	ck_assert_uint_eq(strlen(out), 4 * TEXT_MAX_LINE + 3);
	ck_assert_ptr_null(strchr(out, '\x1b'));
	ck_assert_str_eq(out + 4 * TEXT_MAX_LINE, "...");
	free(in);
	free(out);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *t = tcase_create("escape_line");

	tcase_add_loop_test(t, test_line, 0, N(line_cases));
	tcase_add_test(t, test_line_long);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return testutil_run(text_suite());
}
