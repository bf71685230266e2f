/* api.js — the one way the pages talk to lawexamd (SPEC §6): JSON in and out, the CSRF
 * header on every non-GET request, errors as ApiError carrying the server's Chinese message,
 * a 401 sends the user back to the login page, and every response carrying `server_time`
 * updates the clock offset the exam countdown uses (the PC's clock is never trusted). */

export const session = {
  user: null,   // {login,name,org,category,roles[],must_change_password}
  csrf: '',
};

/* The server's clock: the last server_time seen, advanced by the browser's monotonic clock
 * (performance.now) since that response arrived. This is offset = server_time − Date.now()
 * at each response, except that someone setting the PC's clock mid-exam changes nothing. */
let baseServer = Date.now();
let basePerf = performance.now();
let synced = false;

export function serverNow() {
  return baseServer + (performance.now() - basePerf);
}

/** True once at least one response carried server_time. */
export function clockSynced() {
  return synced;
}

/** Records server_time (RFC 3339) as seen at the moment its response arrived. */
export function noteServerTime(serverTime) {
  const t = Date.parse(serverTime);
  if (!isNaN(t)) {
    baseServer = t;
    basePerf = performance.now();
    synced = true;
  }
}

export class ApiError extends Error {
  constructor(status, code, message, details, retryAfter, error) {
    super(message);
    this.status = status;   // 0 = the network failed (offline, server unreachable)
    this.code = code;
    this.details = details || null;
    this.retryAfter = retryAfter || null;
    this.error = error || {}; // the answer's whole "error" object (e.g. "expected" of a 409)
  }
  get offline() {
    return this.status === 0;
  }
}

let onUnauthorized = null;

/** The app installs what happens on a 401 (back to the login page). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function hasRole(role) {
  return !!(session.user && session.user.roles && session.user.roles.indexOf(role) >= 0);
}

/**
 * api('GET', '/exams') → parsed JSON. Options:
 *   body: object (sent as JSON) | raw: ArrayBuffer/Blob/string sent as is with `contentType`
 *   quiet401: do not redirect on 401 (used by the login page and the start-up probe)
 *   file: the answer is a file (a PDF): → {blob, filename} (errors are JSON as always)
 */
export async function api(method, path, opts) {
  const o = opts || {};
  const headers = {Accept: 'application/json'};
  let body;
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = session.csrf || '';
  if (o.raw !== undefined) {
    body = o.raw;
    headers['Content-Type'] = o.contentType || 'application/octet-stream';
  } else if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, {
      method, headers, body, credentials: 'same-origin', cache: 'no-store', redirect: 'error',
    });
  } catch (e) {
    throw new ApiError(0, 'network', '网络连接中断，请检查网络后重试');
  }
  let data = null;
  const ctype = res.headers.get('Content-Type') || '';
  if (ctype.indexOf('json') >= 0) {
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
  }
  if (data && typeof data === 'object' && typeof data.server_time === 'string') noteServerTime(data.server_time);
  if (res.status === 403 && data && data.error && data.error.code === 'csrf' && !o.csrfRetried) {
    // Logged in again in another tab: this tab's token is stale. Fetch the current one, retry once.
    try {
      await loadMe();
    } catch (e) {
      /* fall through to the error below */
    }
    return api(method, path, Object.assign({}, o, {csrfRetried: true}));
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : {};
    const details = err.details || (data && data.details) || null;
    const msg = err.message || defaultMessage(res.status);
    const e = new ApiError(res.status, err.code || 'http_' + res.status, msg, details,
      res.headers.get('Retry-After'), err);
    e.total = typeof err.total === 'number' ? err.total : (details ? details.length : 0);
    if (res.status === 401 && !o.quiet401 && onUnauthorized) onUnauthorized();
    throw e;
  }
  if (o.file) return {blob: await res.blob(), filename: dispositionName(res.headers.get('Content-Disposition'))};
  return data;
}

/* The file name of a Content-Disposition (filename*=UTF-8''… first, then filename="…"). */
function dispositionName(cd) {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd || '');
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch (e) {
      /* fall through */
    }
  }
  const plain = /filename="([^"]*)"/i.exec(cd || '');
  return plain ? plain[1] : '';
}

/**
 * Fetches a file through api() (so errors carry the server's Chinese message) and hands it
 * to the browser as a download named by the server (else fallbackName). Resolves to the
 * file name.
 */
export async function downloadFile(method, path, fallbackName, opts) {
  const r = await api(method, path, Object.assign({}, opts, {file: true}));
  const name = r.filename || fallbackName;
  const url = URL.createObjectURL(r.blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a file larger than one request body (LIMITS.body_max) to POST /admin/uploads in parts
 * of partSize bytes, appended in order; returns the upload id, which an import then names
 * (?upload=ID). A part that fails on the network or with a 5xx is sent again (3 tries, 1 s
 * and 2 s apart); after a 409 offset_mismatch (an earlier try did arrive, its answer was
 * lost) it goes on from the offset the server names. onProgress(sentBytes, totalBytes).
 */
export async function uploadInParts(bytes, partSize, onProgress) {
  const total = bytes.byteLength;
  let id = null;
  let off = 0;
  let tries = 0;
  while (id === null || off < total) {
    const path = id === null ? '/admin/uploads' : '/admin/uploads?upload=' + encodeURIComponent(id) + '&offset=' + off;
    try {
      const r = await api('POST', path, {raw: bytes.slice(off, off + partSize)});
      id = r.upload;
      off = r.received;
      tries = 0;
      if (onProgress) onProgress(off, total);
    } catch (e) {
      if (e.status === 409 && e.code === 'offset_mismatch' && typeof e.error.expected === 'number') {
        off = e.error.expected;
        continue;
      }
      if ((e.status === 0 || e.status >= 500) && ++tries < 3) {
        await sleep(1000 * tries);
        continue;
      }
      throw e;
    }
  }
  return id;
}

function defaultMessage(status) {
  if (status === 401) return '登录已失效，请重新登录';
  if (status === 403) return '您没有权限执行此操作';
  if (status === 404) return '未找到';
  if (status === 413) return '文件过大';
  if (status === 429) return '请求过于频繁，请稍后再试';
  if (status === 501) return '该功能尚未开放';
  if (status >= 500) return '服务器暂时无法处理（' + status + '），请稍后重试';
  return '请求失败（' + status + '）';
}

/** Loads the signed-in user (and the CSRF token) from /me; null when not signed in. */
export async function loadMe() {
  try {
    const r = await api('GET', '/me', {quiet401: true});
    session.user = r.user;
    if (r.user && r.user.csrf_token) session.csrf = r.user.csrf_token;
    return session.user;
  } catch (e) {
    if (e.status === 401) {
      session.user = null;
      session.csrf = '';
      return null;
    }
    throw e;
  }
}
