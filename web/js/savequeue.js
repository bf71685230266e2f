/* savequeue.js — the examinee's answers on their way to the server (SPEC §5.4).
 * Every change is written to localStorage first (so a dropped network, a closed tab or a
 * crashed PC loses nothing), then sent in batches with PUT /attempts/{id}/answers. Only the
 * newest response per question is kept; each carries a `seq` that only grows, so a late
 * packet never overwrites a newer answer on the server. The queue is flushed on every
 * change, when the network returns, on a timer while anything is pending, and on page load. */
import {api, serverNow} from './api.js';
import {LIMITS} from './limits.js';

const QUEUE_PREFIX = 'lawexam.q.';
const SEQ_PREFIX = 'lawexam.seq.';
const RETRY_MS = 3000;
const DEBOUNCE_MS = 250;

const queues = new Map();

function storageGet(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (e) {
    return null;
  }
}

function storageSet(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
    return true;
  } catch (e) {
    return false; // private mode or full: the in-memory queue still works
  }
}

/** The one queue of an attempt (pages and the start-up flush share it). */
export function getQueue(login, attemptId) {
  const key = login + '.' + attemptId;
  let q = queues.get(key);
  if (!q) {
    q = new SaveQueue(login, attemptId);
    queues.set(key, q);
  }
  return q;
}

/** On page load: sends whatever this user left unsent in earlier visits. */
export function flushAllFor(login) {
  const prefix = QUEUE_PREFIX + login + '.';
  const ids = [];
  try {
    for (let i = 0; i < window.localStorage.length; i++) {
      const k = window.localStorage.key(i);
      if (k && k.indexOf(prefix) === 0) ids.push(k.slice(prefix.length));
    }
  } catch (e) {
    return;
  }
  for (const id of ids) {
    const q = getQueue(login, id);
    if (q.size() > 0) q.flush();
  }
}


/** The answers of a refused batch that the 422 reply names: by position, or by index for an
 *  item the server could not read a position from ("answers[i]"). */
function badAnswers(e, sent) {
  const out = [];
  for (const d of Array.isArray(e.details) ? e.details : []) {
    let a = null;
    if (d && Number.isInteger(d.position)) {
      a = sent.find((x) => x.position === d.position);
    } else if (d && typeof d.where === 'string') {
      const m = /^answers\[(\d+)\]$/.exec(d.where);
      if (m) a = sent[parseInt(m[1], 10)];
    }
    if (a && !out.includes(a)) out.push(a);
  }
  return out;
}

export class SaveQueue {
  constructor(login, attemptId) {
    this.login = login;
    this.attemptId = String(attemptId);
    this.key = QUEUE_PREFIX + login + '.' + this.attemptId;
    this.seqKey = SEQ_PREFIX + login + '.' + this.attemptId;
    this.pending = {};          // position → {response, seq}
    this.inflight = false;
    this.online = navigator.onLine !== false;
    this.failed = false;        // the last attempt to send failed (server error)
    this.closed = false;        // the server said attempt_closed / not found
    this.deadline = null;       // the deadline the last save reply carried (an administrator may move it)
    this.startedMs = 0;         // attempt start on the server clock: the base of seq
    this.lastSeq = parseInt(storageGet(this.seqKey) || '0', 10) || 0;
    this.timer = null;
    this.listeners = new Set();
    this.waiters = [];
    const saved = storageGet(this.key);
    if (saved) {
      try {
        const obj = JSON.parse(saved);
        if (obj && typeof obj === 'object') this.pending = obj;
      } catch (e) {
        this.pending = {};
      }
    }
    this.onOnline = () => {
      this.online = true;
      this.emit();
      this.flush();
    };
    this.onOffline = () => {
      this.online = false;
      this.emit();
    };
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
  }

  /** The server's start time of the attempt, so seq grows across devices too. */
  setStarted(startedAt) {
    const t = Date.parse(startedAt);
    if (!isNaN(t)) this.startedMs = t;
  }

  size() {
    return Object.keys(this.pending).length;
  }

  /** position → response of what is waiting to be sent (newer than the server's copy). */
  responses() {
    const out = {};
    for (const p of Object.keys(this.pending)) out[p] = this.pending[p].response;
    return out;
  }

  /**
   * seq: tenths of a second since the attempt started, on the server clock, and always
   * above the last one used here. A second device (or a cleared browser) continues above
   * what the first one sent, and one browser never repeats a number.
   */
  nextSeq() {
    const base = this.startedMs ? Math.floor((serverNow() - this.startedMs) / 100) : 0;
    this.lastSeq = Math.max(this.lastSeq + 1, base);
    storageSet(this.seqKey, String(this.lastSeq));
    return this.lastSeq;
  }

  put(position, response) {
    if (this.closed) return;
    this.pending[String(position)] = {response, seq: this.nextSeq()};
    this.persist();
    this.emit();
    this.schedule(DEBOUNCE_MS);
  }

  persist() {
    storageSet(this.key, this.size() ? JSON.stringify(this.pending) : null);
  }

  /** 'saved' | 'saving' | 'offline' | 'retry' | 'closed' */
  state() {
    if (this.closed) return 'closed';
    if (!this.online) return 'offline';
    if (this.size() === 0 && !this.inflight) return 'saved';
    if (this.failed) return 'retry';
    return 'saving';
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit() {
    const st = this.state();
    for (const fn of this.listeners) {
      try {
        fn(st, this);
      } catch (e) {
        /* a page's listener must not stop the queue */
      }
    }
    if (st === 'saved' || st === 'closed') {
      const w = this.waiters;
      this.waiters = [];
      for (const r of w) r(st);
    }
  }

  schedule(ms) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, ms);
  }

  /** Resolves with 'saved' once nothing is pending, 'closed' if the server refused, or
   *  'timeout' after `ms`. */
  drain(ms) {
    if (this.state() === 'saved' || this.closed) return Promise.resolve(this.closed ? 'closed' : 'saved');
    this.flush();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (ms) setTimeout(() => resolve('timeout'), ms);
    });
  }

  async flush() {
    if (this.inflight || this.closed) return;
    const positions = Object.keys(this.pending).slice(0, LIMITS.save_batch_max);
    if (positions.length === 0) {
      this.emit();
      return;
    }
    const sent = positions.map((p) => ({
      position: parseInt(p, 10), response: this.pending[p].response, seq: this.pending[p].seq,
    }));
    this.inflight = true;
    this.emit();
    let retry = false;
    try {
      const reply = await api('PUT', '/attempts/' + encodeURIComponent(this.attemptId) + '/answers', {body: {answers: sent}});
      if (reply && typeof reply.deadline === 'string') this.deadline = reply.deadline;
      for (const a of sent) {
        const cur = this.pending[String(a.position)];
        if (cur && cur.seq === a.seq) delete this.pending[String(a.position)];
      }
      this.persist();
      this.online = true;
      this.failed = false;
    } catch (e) {
      if (e.offline) {
        this.online = false;
        retry = true;
      } else if (e.status === 409 || e.status === 404) {
        // attempt_closed (past deadline + grace) or no longer ours: nothing more can be saved.
        this.closed = true;
        this.closedError = e;
        this.pending = {};
        this.persist();
      } else if (e.status === 422) {
        // bad_response: the server stored nothing of the batch and names every answer it will
        // never take (details[].position, or "answers[i]" for one without a usable position).
        // Drop exactly those and send the others again; drop the whole batch only when the
        // reply names none, so a bad answer can never make the queue loop.
        const bad = badAnswers(e, sent);
        for (const a of bad.length ? bad : sent) {
          const cur = this.pending[String(a.position)];
          if (cur && cur.seq === a.seq) delete this.pending[String(a.position)];
        }
        this.persist();
        this.lastError = e;
      } else if (e.status === 401) {
        // Logged out: the answers stay in localStorage and go after the next login.
        this.failed = true;
      } else {
        this.failed = true; // 5xx, 503 storage_unavailable, 429: try again shortly
        this.online = true;
        retry = true;
      }
    } finally {
      this.inflight = false;
    }
    this.emit();
    if (this.closed) return;
    if (this.size() > 0) this.schedule(retry ? RETRY_MS : 0);
  }

  /** Forgets everything about this attempt (after it has been submitted). */
  dispose() {
    if (this.timer) clearTimeout(this.timer);
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    storageSet(this.key, null);
    storageSet(this.seqKey, null);
    queues.delete(this.login + '.' + this.attemptId);
    this.listeners.clear();
  }
}
