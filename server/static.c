/* static.c — in-memory static files with types and ETags (see static.h), each text file also
 * gzip-compressed once at load and served so to a browser that accepts gzip (2,000 staff
 * opening the page at 9:00 on one uplink); and the one file that is made, not read:
 * /js/limits.js, the limits of lx_limits.h as a JavaScript module. These files are public, so
 * compressing them leaks nothing (BREACH); the API's own rule is http.c's (R_GZIP). gzip: gz.c. */
#include "static.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gz.h"
#include "http.h"
#include "log.h"
#include "lx_limits.h"
#include "mem.h"

#define STATIC_FILE_MAX (8u << 20)

struct sfile {
	char *path;   /* "/index.html" */
	char *data;
	size_t len;
	char etag[24];
	char *gz;     /* gzip of data, or NULL when it would not be smaller (images) */
	size_t gz_len;
	char etag_gz[28];
	const char *ctype;
};

struct static_files {
	struct sfile *f;
	size_t n;
};

static const struct { const char *ext, *type; } types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".txt", "text/plain; charset=utf-8"},
	{".csv", "text/csv; charset=utf-8"},
	{".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{".woff2", "font/woff2"},
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot)
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strcmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

/* Adds data[0..len) (consumed) as url_path, replacing a file of that path. */
static void add_bytes(struct static_files *s, const char *url_path, char *data, size_t len)
{
	struct sfile *sf = NULL;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < s->n && !sf; i++)
		if (strcmp(s->f[i].path, url_path) == 0) {
			sf = &s->f[i];
			free(sf->path);
			free(sf->data);
			free(sf->gz);
		}
	if (!sf) {
		s->f = lx_realloc(s->f, (s->n + 1) * sizeof *s->f);
		sf = &s->f[s->n++];
	}
	sf->data = data;
	sf->len = len;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 1099511628211ull;
	}
	snprintf(sf->etag, sizeof sf->etag, "\"%016llx\"", (unsigned long long)h);
	snprintf(sf->etag_gz, sizeof sf->etag_gz, "\"%016llx-gz\"", (unsigned long long)h);
	sf->path = lx_strdup(url_path);
	sf->ctype = type_of(url_path);
	sf->gz_len = 0;
	sf->gz = gz_encode(data, len, 9, &sf->gz_len); /* once, so the best level */
}

static void add_file(struct static_files *s, const char *fs_path, const char *url_path)
{
	FILE *f = fopen(fs_path, "rb");
	struct stat sb;
	char *data;
	size_t len;

	if (!f)
		return;
	if (fstat(fileno(f), &sb) != 0 || sb.st_size > STATIC_FILE_MAX) {
		fclose(f);
		return;
	}
	len = (size_t)sb.st_size;
	data = lx_malloc(len + 1);
	if (fread(data, 1, len, f) != len)
		len = 0;
	fclose(f);
	add_bytes(s, url_path, data, len);
}

/* /js/limits.js: the numbers the page needs, from lx_limits.h. */
static void add_limits(struct static_files *s)
{
	char *js = lx_asprintf(
		"// Made by lawexamd from common/base/lx_limits.h: the server's own limits.\n"
		"export const LIMITS = Object.freeze({\n"
		"  save_batch_max: %d,\n  max_positions: %d,\n  max_options: %d,\n"
		"  login_max: %d,\n  password_min: %d,\n  password_max: %d,\n"
		"  exam_code_max: %d,\n  bank_code_max: %d,\n  bank_title_max: %d,\n"
		"  body_max: %u,\n  upload_max: %u,\n"
		"  practice_count_max: %d,\n  reading_ping_seconds: %d,\n"
		"  people_page: %d,\n  people_page_max: %d,\n  notice_title_max: %d,\n  notice_body_max: %d,\n"
		"  practice_required_max: %d,\n  exam_duration_max: %d,\n  exam_attempts_max: %d,\n"
		"  section_count_max: %d,\n  section_points_max: %d,\n});\n",
		LX_SAVE_BATCH_MAX, LX_MAX_POSITIONS, LX_MAX_OPTIONS, LX_LOGIN_MAX_BYTES, LX_PASSWORD_MIN_CHARS,
		LX_PASSWORD_MAX_CHARS, LX_EXAM_CODE_MAX, LX_BANK_CODE_MAX, LX_TITLE_MAX_BYTES, LX_BODY_MAX,
		LX_UPLOAD_MAX, LX_PRACTICE_COUNT_MAX, LX_READING_PING_SECONDS, LX_PEOPLE_PAGE, LX_PEOPLE_PAGE_MAX,
		LX_NOTICE_TITLE_MAX, LX_NOTICE_BODY_MAX, LX_PRACTICE_REQUIRED_MAX, LX_EXAM_DURATION_MAX,
		LX_EXAM_ATTEMPTS_MAX, LX_SECTION_COUNT_MAX, LX_SECTION_POINTS_MAX);
	add_bytes(s, "/js/limits.js", js, strlen(js));
}

static void walk(struct static_files *s, const char *dir, const char *prefix, int depth)
{
	DIR *d;
	struct dirent *de;
	if (depth > 6 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		struct stat sb;
		char *fs, *url;
		if (de->d_name[0] == '.')
			continue;
		fs = lx_asprintf("%s/%s", dir, de->d_name);
		url = lx_asprintf("%s/%s", prefix, de->d_name);
		if (stat(fs, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				walk(s, fs, url, depth + 1);
			else if (S_ISREG(sb.st_mode))
				add_file(s, fs, url);
		}
		free(fs);
		free(url);
	}
	closedir(d);
}

int static_load(const char *root, struct static_files **out, struct lx_err *e)
{
	struct static_files *s = lx_calloc(1, sizeof *s);
	struct stat sb;
	if (stat(root, &sb) != 0 || !S_ISDIR(sb.st_mode))
		LOG(LOG_WARN, "web root %s is not a directory: no web pages will be served", root);
	else
		walk(s, root, "", 0);
	add_limits(s);
	LOG(LOG_INFO, "web: %zu files from %s", s->n, root);
	*out = s;
	return LX_OK;
}

void static_free(struct static_files *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].path);
		free(s->f[i].data);
		free(s->f[i].gz);
	}
	free(s->f);
	free(s);
}

void static_serve(struct hctx *c)
{
	const char *p = strcmp(c->path, "/") == 0 ? "/index.html" : c->path;
	struct static_files *s = c->srv->web;
	for (size_t i = 0; s && i < s->n; i++) {
		const struct sfile *f = &s->f[i];
		struct evkeyvalq *in;
		const char *inm, *etag;
		int gz;

		if (strcmp(f->path, p) != 0)
			continue;
		in = evhttp_request_get_input_headers(c->req);
		inm = evhttp_find_header(in, "If-None-Match");
		gz = f->gz && gz_accepted(evhttp_find_header(in, "Accept-Encoding"));
		etag = gz ? f->etag_gz : f->etag;
		http_header(c, "ETag", etag);
		http_header(c, "Cache-Control", "no-cache");
		if (f->gz)
			http_header(c, "Vary", "Accept-Encoding");
		if (inm && strcmp(inm, etag) == 0) {
			http_reply(c, 304, NULL, NULL, 0);
			return;
		}
		if (gz) {
			http_header(c, "Content-Encoding", "gzip");
			http_reply(c, 200, f->ctype, f->gz, f->gz_len);
		} else {
			http_reply(c, 200, f->ctype, f->data, f->len);
		}
		return;
	}
	http_error(c, 404, "not_found", "页面不存在");
}
