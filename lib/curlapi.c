/* Loading libcurl on first use (see curlapi.h). */
#include "lib/curlapi.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Process-wide, like the library it stands for; written once. */
static struct curl_api api;
static const char *api_error;
static char api_detail[256];
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void *
sym(void *lib, const char *name)
{
	void *p = dlsym(lib, name);

	if (p == NULL && api_error == NULL) {
		api_error = "missing symbol";
		snprintf(api_detail, sizeof(api_detail), "%s", name);
	}
	return p;
}

static void
load(void)
{
	void *lib = dlopen(CURLAPI_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL) {
		api_error = "cannot load";
		snprintf(api_detail, sizeof(api_detail), "%s", dlerror());
		return;
	}
	/* POSIX dlsym returns object pointers; converting them to function
	 * pointers is what dlsym exists for. */
	*(void **)&api.global_init = sym(lib, "curl_global_init");
	*(void **)&api.global_cleanup = sym(lib, "curl_global_cleanup");
	*(void **)&api.easy_init = sym(lib, "curl_easy_init");
	*(void **)&api.easy_setopt = sym(lib, "curl_easy_setopt");
	*(void **)&api.easy_perform = sym(lib, "curl_easy_perform");
	*(void **)&api.easy_getinfo = sym(lib, "curl_easy_getinfo");
	*(void **)&api.easy_cleanup = sym(lib, "curl_easy_cleanup");
	*(void **)&api.easy_reset = sym(lib, "curl_easy_reset");
	*(void **)&api.easy_strerror = sym(lib, "curl_easy_strerror");
	*(void **)&api.slist_append = sym(lib, "curl_slist_append");
	*(void **)&api.slist_free_all = sym(lib, "curl_slist_free_all");
	*(void **)&api.url = sym(lib, "curl_url");
	*(void **)&api.url_cleanup = sym(lib, "curl_url_cleanup");
	*(void **)&api.url_set = sym(lib, "curl_url_set");
	*(void **)&api.url_get = sym(lib, "curl_url_get");
	*(void **)&api.free = sym(lib, "curl_free");
	*(void **)&api.multi_init = sym(lib, "curl_multi_init");
	*(void **)&api.multi_add_handle = sym(lib, "curl_multi_add_handle");
	*(void **)&api.multi_remove_handle =
	    sym(lib, "curl_multi_remove_handle");
	*(void **)&api.multi_perform = sym(lib, "curl_multi_perform");
	*(void **)&api.multi_poll = sym(lib, "curl_multi_poll");
	*(void **)&api.multi_info_read = sym(lib, "curl_multi_info_read");
	*(void **)&api.multi_cleanup = sym(lib, "curl_multi_cleanup");
}

const struct curl_api *
curlapi_get(struct err *e)
{
	pthread_once(&api_once, load);
	if (api_error != NULL) {
		err_set(e, EXIT_UNDECIDED, "libcurl (%s): %s: %s",
			CURLAPI_SONAME, api_error, api_detail);
		return NULL;
	}
	return &api;
}
