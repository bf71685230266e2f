/* tls.c — TLS context and self-signed certificate (see tls.h). */
#include "tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

static void ossl_reason(char *buf, size_t len)
{
	unsigned long code = ERR_get_error();
	if (code)
		ERR_error_string_n(code, buf, len);
	else
		snprintf(buf, len, "unknown OpenSSL error");
	ERR_clear_error();
}

static int mkdirs(const char *dir)
{
	char *p = lx_strdup(dir);
	int rc = 0;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

static int make_pair(const char *cert_path, const char *key_path, struct lx_err *e)
{
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	X509_NAME *name;
	FILE *f = NULL;
	int rc = LX_OK;
	char why[256];
	unsigned char serial[16];

	pkey = EVP_EC_gen("P-256");
	cert = X509_new();
	if (!pkey || !cert)
		goto ossl;
	X509_set_version(cert, 2);
	if (RAND_bytes(serial, sizeof serial) != 1)
		goto ossl;
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 60L * 60 * 24 * 825);
	X509_set_pubkey(cert, pkey);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"lawexam", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(cert, name);
	if (add_ext(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
	    add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(cert, NID_ext_key_usage, "serverAuth"))
		goto ossl;
	if (!X509_sign(cert, pkey, EVP_sha256()))
		goto ossl;
	f = fopen(key_path, "wx");
	if (!f || !PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)) {
		rc = err_set(e, LX_ERR_IO, "cannot write %s: %s", key_path, strerror(errno));
		goto out;
	}
	fclose(f);
	f = NULL;
	chmod(key_path, 0600);
	f = fopen(cert_path, "wx");
	if (!f || !PEM_write_X509(f, cert)) {
		rc = err_set(e, LX_ERR_IO, "cannot write %s: %s", cert_path, strerror(errno));
		goto out;
	}
	goto out;
ossl:
	ossl_reason(why, sizeof why);
	rc = err_set(e, LX_ERR_INTERNAL, "making a self-signed certificate failed: %s", why);
out:
	if (f)
		fclose(f);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	return rc;
}

int tls_selfsigned(const char *dir, char **cert_path, char **key_path, int *made, struct lx_err *e)
{
	struct stat sb;
	int rc = LX_OK;

	*made = 0;
	*cert_path = lx_asprintf("%s/cert.pem", dir);
	*key_path = lx_asprintf("%s/key.pem", dir);
	if (stat(*cert_path, &sb) == 0 && stat(*key_path, &sb) == 0)
		return LX_OK;
	if (mkdirs(dir) != 0) {
		rc = err_set(e, LX_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	unlink(*cert_path);
	unlink(*key_path);
	rc = make_pair(*cert_path, *key_path, e);
	if (rc == LX_OK)
		*made = 1;
out:
	if (rc) {
		free(*cert_path);
		free(*key_path);
		*cert_path = *key_path = NULL;
	}
	return rc;
}

int tls_ctx_new(const char *cert_path, const char *key_path, SSL_CTX **out, struct lx_err *e)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char why[256];

	if (!ctx)
		goto ossl;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS); /* idle connections hold no buffers */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
				      SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* TLS 1.2: ECDHE with AEAD only (forward secrecy); TLS 1.3 suites are all forward-secret. */
	if (!SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
					  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
					  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"))
		goto ossl;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
		ossl_reason(why, sizeof why);
		SSL_CTX_free(ctx);
		return err_set(e, LX_ERR_IO, "cannot load certificate %s: %s", cert_path, why);
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ossl_reason(why, sizeof why);
		SSL_CTX_free(ctx);
		return err_set(e, LX_ERR_IO, "cannot load key %s: %s", key_path, why);
	}
	*out = ctx;
	return LX_OK;
ossl:
	ossl_reason(why, sizeof why);
	SSL_CTX_free(ctx);
	return err_set(e, LX_ERR_INTERNAL, "TLS set-up failed: %s", why);
}
