"""uploads — sending a file of more than one request body (LX_BODY_MAX, 1 MiB) to lawexamd:
in parts through POST /api/v1/admin/uploads, then the import names the upload
(POST /api/v1/admin/banks?upload=ID…). Used by test_uploads.py and by the other tests and
tools that upload large banks or rosters. Stdlib only; `client` is a lawexam_e2e.Client (or
anything with .post(path, body=…, headers=…) returning (status, headers, body))."""

import urllib.parse

PART = 1 << 20          # LX_BODY_MAX: the largest body lawexamd reads
UPLOAD_MAX = 32 << 20   # LX_UPLOAD_MAX: the largest upload
OCTETS = {"Content-Type": "application/octet-stream"}


class UploadError(Exception):
    def __init__(self, reply, what):
        super().__init__("%s: %s %r" % (what, reply.status, reply.body))
        self.reply = reply


def upload_in_parts(client, data, part=PART):
    """Sends data as an upload in parts of `part` bytes (the first one starts it); returns the
    upload id. After a 409 offset_mismatch it goes on from the offset the server names; a part
    that fails with a 5xx or a broken connection is sent once more; any other answer raises
    UploadError (its .reply is the answer)."""
    r = client.post("/api/v1/admin/uploads", body=bytes(data[:part]), headers=OCTETS)
    if r.status != 200:
        raise UploadError(r, "start")
    uid, off = r.body["upload"], r.body["received"]
    tries = 0
    while off < len(data):
        try:
            r = client.post("/api/v1/admin/uploads?upload=%s&offset=%d" % (uid, off),
                            body=bytes(data[off:off + part]), headers=OCTETS)
        except OSError:
            if tries:
                raise
            tries += 1
            continue
        if r.status == 200:
            off, tries = r.body["received"], 0
        elif r.status == 409 and isinstance(r.body, dict) and "expected" in r.body.get("error", {}):
            off = r.body["error"]["expected"]  # our earlier try of this part did arrive
        elif r.status >= 500 and not tries:
            tries += 1
        else:
            raise UploadError(r, "part at %d" % off)
    return uid


def import_path(route, **query):
    q = "&".join("%s=%s" % (k, urllib.parse.quote(str(v))) for k, v in query.items())
    return route + ("?" + q if q else "")


def import_file(client, route, data, part=PART, **query):
    """POSTs data to an import route ("/api/v1/admin/banks" or "/api/v1/admin/staff") with
    the query: as the body when it fits in one, else sent in parts and named by upload=."""
    if len(data) <= part:
        return client.post(import_path(route, **query), body=bytes(data), headers=OCTETS)
    uid = upload_in_parts(client, data, part)
    return client.post(import_path(route, upload=uid, **query), body=b"")
