/* nodelay_preload.c — an LD_PRELOAD shim for measurement only, to show what two one-line
 * server changes would give without touching server/ (see docs/benchmarks.md):
 *   - TCP_NODELAY on every accepted socket (LAWEXAM_SHIM_NODELAY, default on);
 *   - SSL_MODE_RELEASE_BUFFERS on every SSL object (LAWEXAM_SHIM_RELEASE_BUFFERS=1, default off).
 * Not for production. Built by tools/loadgen/CMakeLists.txt as nodelay_preload.so. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int env_on(const char *name, int dflt)
{
	const char *v = getenv(name);
	return v ? strcmp(v, "0") != 0 : dflt;
}

static void nodelay(int fd)
{
	int one = 1;
	if (fd >= 0 && env_on("LAWEXAM_SHIM_NODELAY", 1))
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	static int (*real)(int, struct sockaddr *, socklen_t *, int);
	if (!real)
		real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
	int c = real(fd, addr, len, flags);
	nodelay(c);
	return c;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	static int (*real)(int, struct sockaddr *, socklen_t *);
	if (!real)
		real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
	int c = real(fd, addr, len);
	nodelay(c);
	return c;
}

/* SSL_new(ctx) then SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS) (= SSL_ctrl(ssl, 33, 0x10, NULL)). */
void *SSL_new(void *ctx)
{
	static void *(*real)(void *);
	static long (*ctrl)(void *, int, long, void *);
	void *ssl;
	if (!real) {
		real = (void *(*)(void *))dlsym(RTLD_NEXT, "SSL_new");
		ctrl = (long (*)(void *, int, long, void *))dlsym(RTLD_NEXT, "SSL_ctrl");
	}
	ssl = real(ctx);
	if (ssl && ctrl && env_on("LAWEXAM_SHIM_RELEASE_BUFFERS", 0))
		ctrl(ssl, 33 /* SSL_CTRL_MODE */, 0x10L /* SSL_MODE_RELEASE_BUFFERS */, NULL);
	return ssl;
}
