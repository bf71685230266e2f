/* tls.h — the server's TLS context: TLS 1.2 and 1.3 only, forward-secret ciphers, and a
 * self-signed ECDSA P-256 certificate made with the OpenSSL API when none is configured.
 * The SSL_CTX is owned by the caller (SSL_CTX_free). */
#ifndef LAWEXAM_TLS_H
#define LAWEXAM_TLS_H

#include <openssl/ssl.h>

#include "err.h"

/* Ensures dir/cert.pem and dir/key.pem exist (creating dir and a self-signed pair valid for
 * localhost and 127.0.0.1 if missing). *made = 1 when it created them. */
int tls_selfsigned(const char *dir, char **cert_path, char **key_path, int *made, struct lx_err *e);
/* Builds a server context from PEM files; LX_ERR_IO with the OpenSSL reason on failure. */
int tls_ctx_new(const char *cert_path, const char *key_path, SSL_CTX **out, struct lx_err *e);

#endif
