// harness.mjs — what every browser test needs: a temporary database made with lawexam-admin
// (users, banks, exams), a real lawexamd on a free loopback port serving <source>/web, the
// Debian chromium driven by playwright-core, API helpers, and screenshots at desktop and phone
// sizes. Environment (set by tests/browser/CMakeLists.txt): LAWEXAMD, LAWEXAM_ADMIN,
// LAWEXAM_SOURCE_DIR, SCREENSHOT_DIR. playwright-core must be installed (npm ci): a missing
// module fails the test loudly instead of skipping it.
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, mkdirSync, writeFileSync, rmSync, existsSync, openSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve, dirname} from 'node:path';
import {createServer} from 'node:net';
import {fileURLToPath} from 'node:url';
import {chromium, request as pwRequest} from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = resolve(process.env.LAWEXAM_SOURCE_DIR || join(here, '..', '..'));
export const LAWEXAMD = process.env.LAWEXAMD || join(SOURCE_DIR, 'build', 'lawexamd');
export const LAWEXAM_ADMIN = process.env.LAWEXAM_ADMIN || join(SOURCE_DIR, 'build', 'lawexam-admin');
export const SCREENSHOT_DIR = resolve(process.env.SCREENSHOT_DIR || join(here, 'screenshots'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const BANK_DIR = join(SOURCE_DIR, 'question-bank', 'banks');
export const PASSWORD = 'Exam-pass-2026';

export const VIEWPORTS = {
  desktop: {width: 1366, height: 768},
  phone: {width: 390, height: 844},
};

const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

for (const [what, p] of [['LAWEXAMD', LAWEXAMD], ['LAWEXAM_ADMIN', LAWEXAM_ADMIN], ['chromium', CHROMIUM]]) {
  if (!existsSync(p)) throw new Error(`${what} not found at ${p} (build the project; apt-get install chromium)`);
}

/** "2026-05-01T10:00:00+08:00" for a Date, in China time (what the exam files use). */
export function rfc3339(date) {
  const t = new Date(date.getTime() + 8 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}T${p(t.getUTCHours())}:` +
    `${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}+08:00`;
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address();
      srv.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Env {
  constructor(name) {
    this.name = name;
    this.dir = mkdtempSync(join(tmpdir(), `lawexam-browser-${name}-`));
    this.db = join(this.dir, 'lawexam.db');
    this.server = null;
    this.base = null;
    this.browser = null;
    this.shots = [];
  }

  /** Runs lawexam-admin; throws with its output unless it exits 0 (or `allowFail`). */
  admin(args, opts = {}) {
    const r = spawnSync(LAWEXAM_ADMIN, ['--db', this.db, ...args], {
      input: opts.input ?? '', encoding: 'utf8', timeout: 60000,
    });
    if (r.status !== 0 && !opts.allowFail) {
      throw new Error(`lawexam-admin ${args.join(' ')} → exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    }
    return r;
  }

  init() {
    this.admin(['init']);
    return this;
  }

  addUser(login, {name, org = '珠晖区/区司法局/普法股', category = 'general', roles = 'examinee', password = PASSWORD} = {}) {
    this.admin(['user', 'add', login, '--name', name || login, '--org', org, '--category', category,
      '--roles', roles, '--password-stdin'], {input: password + '\n'});
  }

  importBank(file) {
    this.admin(['bank', 'import', file.includes('/') ? file : join(BANK_DIR, file)]);
  }

  /** Writes a lawexam-exam/1 file and creates the exam. */
  createExam(def) {
    const exam = Object.assign({
      format: 'lawexam-exam/1',
      opens_at: rfc3339(new Date(Date.now() - 3600 * 1000)),
      closes_at: rfc3339(new Date(Date.now() + 3 * 3600 * 1000)),
      duration_minutes: 60,
      pass_percent: 60,
      max_attempts: 1,
      multiple_scoring: 'all_or_nothing',
      results: 'immediate',
      review: 'immediate',
    }, def);
    const file = join(this.dir, `exam-${exam.code}.json`);
    writeFileSync(file, JSON.stringify(exam, null, 2));
    this.admin(['exam', 'create', file]);
    return exam;
  }

  /** Starts lawexamd. argon2M: the password-hash memory in KiB — 1024 (cheap) unless a test
   *  needs hashing to take real time (a roster import's progress bar). samePort: listen where
   *  the last start did (a restart the open pages reach at the same address). */
  async start({graceSeconds = 2, argon2M = 1024, samePort = false} = {}) {
    const port = samePort && this.base ? Number(new URL(this.base).port) : await freePort();
    this.base = `https://127.0.0.1:${port}`;
    const log = openSync(join(this.dir, 'lawexamd.log'), 'a');
    this.server = spawn(LAWEXAMD, ['--db', this.db, '--listen', `127.0.0.1:${port}`, '--tls-dir', join(this.dir, 'tls'),
      '--web-root', join(SOURCE_DIR, 'web'), '--argon2-m', String(argon2M), '--grace-seconds', String(graceSeconds),
      '--threads', '2', '--hash-threads', '2'], {stdio: ['ignore', log, log]});
    this.exited = new Promise((r) => this.server.on('exit', (code, sig) => r({code, sig})));
    const api = await pwRequest.newContext({ignoreHTTPSErrors: true});
    const until = Date.now() + 20000;
    for (;;) {
      if (this.server.exitCode !== null) throw new Error(`lawexamd exited early:\n${this.log()}`);
      try {
        const r = await api.get(`${this.base}/healthz`, {timeout: 2000});
        if (r.ok()) break;
      } catch (e) {
        /* not listening yet */
      }
      if (Date.now() > until) throw new Error(`lawexamd did not answer /healthz:\n${this.log()}`);
      await sleep(100);
    }
    await api.dispose();
    return this;
  }

  log() {
    try {
      return readFileSync(join(this.dir, 'lawexamd.log'), 'utf8').split('\n').slice(-40).join('\n');
    } catch (e) {
      return '';
    }
  }

  /** An API client logged in as `login` (its own cookie jar), with the CSRF header set. */
  async apiAs(login, password = PASSWORD) {
    const ctx = await pwRequest.newContext({ignoreHTTPSErrors: true, baseURL: this.base});
    const r = await ctx.post('/api/v1/login', {data: {login, password}});
    if (!r.ok()) throw new Error(`login ${login}: ${r.status()} ${await r.text()}`);
    const {csrf_token: csrf} = await r.json();
    const headers = {'X-CSRF-Token': csrf};
    return {
      ctx,
      get: async (path) => {
        const res = await ctx.get('/api/v1' + path);
        if (!res.ok()) throw new Error(`GET ${path}: ${res.status()} ${await res.text()}`);
        return res.json();
      },
      raw: (method, path, opts = {}) => ctx.fetch('/api/v1' + path, {method, headers, ...opts}),
      dispose: () => ctx.dispose(),
    };
  }

  async browserContext({viewport = VIEWPORTS.desktop, ...opts} = {}) {
    if (!this.browser) {
      this.browser = await chromium.launch({executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS});
    }
    const ctx = await this.browser.newContext({
      ignoreHTTPSErrors: true, baseURL: this.base, viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
      acceptDownloads: true, ...opts,
    });
    ctx.setDefaultTimeout(15000);
    return ctx;
  }

  /** A page that fails the test on any console error, CSP violation, or 4xx/5xx answer the
   *  test did not expect. A test that provokes one on purpose says so, either here or later
   *  with page.allowHttp(...): each entry is "STATUS METHOD PATH" (PATH a prefix of the URL's
   *  path, e.g. '422 POST /api/v1/admin/banks'), or {status, method, path: RegExp|string}.
   *  One answer is always expected: the app asks GET /api/v1/me to learn whether it is signed
   *  in, and gets 401 while it is not (before a successful login on this page, after a logout);
   *  a 401 there while signed in is a lost session and fails the test. */
  async newPage(ctx, {allowHttp = []} = {}) {
    const page = await ctx.newPage();
    page.problems = [];
    const allowed = allowHttp.map(httpRule);
    let signedIn = false;
    page.allowHttp = (...rules) => allowed.push(...rules.map(httpRule));
    page.on('console', (m) => {
      // "Failed to load resource" repeats a failed answer, judged by the 'response' handler.
      if (m.type() === 'error' && !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED/.test(m.text())) {
        page.problems.push(`console: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      const method = r.request().method();
      const path = new URL(r.url()).pathname;
      if (method === 'POST' && path === '/api/v1/login' && r.status() === 200) signedIn = true;
      if (method === 'POST' && path === '/api/v1/logout') signedIn = false;
      if (r.status() < 400) return;
      if (!signedIn && r.status() === 401 && method === 'GET' && path === '/api/v1/me') return;
      if (!allowed.some((a) => a.status === r.status() && (!a.method || a.method === method) &&
          (a.path instanceof RegExp ? a.path.test(path) : path.startsWith(a.path)))) {
        page.problems.push(`http: ${r.status()} ${method} ${path} (not expected: list it in newPage(ctx, {allowHttp}))`);
      }
    });
    return page;
  }

  async login(page, login, password = PASSWORD) {
    await page.goto('/#/login');
    await page.getByLabel('工号').fill(login);
    await page.getByLabel('密码', {exact: true}).fill(password);
    await page.getByRole('button', {name: '登录'}).click();
  }

  /** Saves a PNG under SCREENSHOT_DIR/<test>/<name>.png: the whole page from its top (so
   *  sticky bars sit where a person sees them first), or only the window with fullPage false. */
  async shot(page, name, {fullPage = true} = {}) {
    const dir = join(SCREENSHOT_DIR, this.name);
    mkdirSync(dir, {recursive: true});
    const file = join(dir, `${name}.png`);
    await this.check(page, name);
    if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({path: file, fullPage});
    this.shots.push(file);
    return file;
  }

  /** What every page must satisfy (issue §4): every form control has a label, ids are unique,
   *  and nothing is wider than the window (360 px phones). Problems fail the test at its end. */
  async check(page, where) {
    const found = await page.evaluate(() => {
      const out = [];
      const seen = new Map();
      for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
      for (const [id, n] of seen) if (n > 1) out.push(`duplicate id "${id}"`);
      for (const el of document.querySelectorAll('input, select, textarea')) {
        if (el.type === 'hidden') continue;
        const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        if (!named) out.push(`unlabelled ${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`);
      }
      // (playwright's clicks leave empty style="" behind; a CSP-blocked inline style would not be empty)
      for (const el of document.querySelectorAll('[style]:not([style=""])')) out.push('style attribute on ' + el.outerHTML.slice(0, 120));
      const over = document.documentElement.scrollWidth - document.documentElement.clientWidth;
      if (over > 0) out.push(`page is ${over}px wider than the window`);
      return out;
    });
    for (const f of found) page.problems.push(`${where}: ${f}`);
  }

  /** Stops lawexamd only (SIGTERM, SIGKILL after 6 s; or `signal`), keeping the database and
   *  the browser: start({samePort: true}) brings it back for the pages still open. */
  async stopServer(signal = 'SIGTERM') {
    if (!this.server || this.server.exitCode !== null || this.server.signalCode !== null) return;
    this.server.kill(signal);
    const t = setTimeout(() => this.server.kill('SIGKILL'), 6000);
    await this.exited;
    clearTimeout(t);
  }

  async stop() {
    if (this.browser) await this.browser.close().catch(() => {});
    await this.stopServer();
    if (!process.env.KEEP_TMP) rmSync(this.dir, {recursive: true, force: true});
  }
}

/** "401 POST /api/v1/login" or {status, method, path} → {status, method, path}. */
function httpRule(rule) {
  if (typeof rule !== 'string') return rule;
  const [status, method, path] = rule.trim().split(/\s+/);
  if (!/^[45]\d\d$/.test(status) || !method || !path) throw new Error(`allowHttp: want "STATUS METHOD PATH", got "${rule}"`);
  return {status: Number(status), method, path};
}

/** The demo exam: one paper for every category, all three question types. */
export function demoExam(code = 'demo', overrides = {}) {
  return Object.assign({
    code,
    title: '2026年度国家工作人员学法考法（演示）',
    papers: [{
      categories: ['leader', 'enforcement', 'general'],
      sections: [
        {title: '宪法', bank: 'constitution', type: 'single', count: 4, points: 2},
        {title: '民法典', bank: 'civil-code', type: 'multiple', count: 3, points: 4},
        {title: '党内法规', bank: 'party-regulations', type: 'judge', count: 3, points: 1},
      ],
    }],
  }, overrides);
}

/** Polls fn() until it returns a truthy value. */
export async function waitFor(fn, {timeout = 15000, interval = 250, what = 'condition'} = {}) {
  const until = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(interval);
  }
}

export {sleep};
