// hr.test.mjs — the HR officer's report: pick the exam by code, pass rates by unit (at two
// depths) and by category, the per-person results with filters. Every number on the page
// equals the JSON API's, and the downloaded CSV starts with a BOM and has the same rows.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {Env, demoExam, VIEWPORTS, BANK_DIR} from './harness.mjs';

const env = new Env('hr');
const EXAM = 'report-2026';
let hr;

const STAFF = [
  ['h001', '刘洋', '珠晖区/区司法局/普法股', 'general'],
  ['h002', '孙丽', '珠晖区/区司法局/普法股', 'general'],
  ['h003', '吴刚', '珠晖区/区司法局/办公室', 'enforcement'],
  ['h004', '郑伟', '珠晖区/区财政局/预算股', 'leader'],
  ['h005', '冯静', '珠晖区/区财政局/办公室', 'leader'],
  ['h006', '何平', '珠晖区/区应急管理局', 'enforcement'],
  ['h007', '许诺', '珠晖区/区应急管理局', 'general'],
];

/* The page's formatting, restated: rates 85.0%, means with two decimals, scores as numbers. */
const rate = (x) => (x === null || x === undefined ? '—' : (x * 100).toFixed(1) + '%');
const avg = (x) => (x === null || x === undefined ? '—' : x.toFixed(2));
const score = (x) => (x === null || x === undefined ? '—' : String(Math.round(x * 10) / 10));
const STATUS = {not_started: '未参加', in_progress: '进行中', submitted: '已交卷'};

/* The keys of the bundled banks, by stem: a paper shows its options shuffled, so the right
 * displayed keys are found by the options' texts. */
const KEYS = new Map();
for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) {
  for (const q of JSON.parse(readFileSync(join(BANK_DIR, b), 'utf8')).questions) KEYS.set(q.stem, q);
}
function rightResponse(q) {
  const src = KEYS.get(q.stem);
  assert.ok(src, `question from the bundled banks: ${q.stem}`);
  if (q.type === 'judge') return src.answer;
  const texts = [...src.answer].map((letter) => src.options[letter.charCodeAt(0) - 65]);
  return q.options.filter((o) => texts.includes(o.text)).map((o) => o.key).sort().join('');
}

/** Takes the exam through the API: answers `n` questions (first option / first two / T, or
 *  with `right` the keys: a sure pass, so the unit filters below never come out empty). */
async function takeExam(login, n, submit, {right = false} = {}) {
  const c = await env.apiAs(login);
  const r = await c.raw('POST', `/exams/${EXAM}/attempts`);
  assert.ok(r.ok(), `start ${login}: ${r.status()}`);
  const a = await r.json();
  const answers = a.questions.slice(0, n).map((q, i) => ({
    position: q.position, seq: i + 1,
    response: right ? rightResponse(q) : q.type === 'judge' ? 'T' : q.type === 'multiple' ? 'AB' : 'A',
  }));
  if (answers.length) {
    const s = await c.raw('PUT', `/attempts/${a.id}/answers`, {data: {answers}});
    assert.ok(s.ok(), `save ${login}: ${s.status()}`);
  }
  if (submit) {
    const s = await c.raw('POST', `/attempts/${a.id}/submit`);
    assert.ok(s.ok(), `submit ${login}: ${s.status()}`);
  }
  await c.dispose();
}

before(async () => {
  env.init();
  for (const [login, name, org, category] of STAFF) env.addUser(login, {name, org, category});
  env.addUser('hr1', {name: '人事科', org: '珠晖区/区委组织部', roles: 'hr'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  env.createExam(demoExam(EXAM, {title: '2026年度学法考法（统计验证）', pass_percent: 5}));
  await env.start();
  await takeExam('h001', 10, true, {right: true});
  await takeExam('h002', 0, true);
  await takeExam('h003', 6, true);
  await takeExam('h004', 10, true);
  await takeExam('h005', 3, false); // in progress
  hr = await env.apiAs('hr1');
});

after(async () => {
  if (hr) await hr.dispose();
  await env.stop();
});

/** The rates table as text cells: [[group, assigned, …], …] plus the total row. */
async function ratesTable(page) {
  return page.locator('#rates-table').evaluate((t) => ({
    rows: Array.from(t.tBodies[0].rows).map((r) => Array.from(r.cells).map((c) => c.textContent.trim())),
    total: t.tFoot ? Array.from(t.tFoot.rows[0].cells).map((c) => c.textContent.trim()) : null,
  }));
}

function expectRates(json, name) {
  const row = (r, g) => [g, String(r.assigned), String(r.took), String(r.not_taken), String(r.passed), String(r.failed),
    rate(r.participation_rate), rate(r.pass_rate), avg(r.avg_score), String(r.exempt)];
  return {rows: json.rows.map((r) => row(r, name(r))), total: row(json.total, '合计')};
}

/** RFC 4180 CSV → rows of fields (quoted fields may hold commas, quotes, newlines). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (ch === '"') q = false; else f += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(f); f = ''; } else if (ch === '\r') { /* CRLF */ } else if (ch === '\n') { row.push(f); rows.push(row); row = []; f = ''; } else f += ch;
  }
  if (f !== '' || row.length) { row.push(f); rows.push(row); }
  return rows;
}

/* Resolves when the page has received its answer to a report request of this kind. */
function pageGot(page, kind) {
  return page.waitForResponse((r) => r.url().includes(`/api/v1/reports/${EXAM}/${kind}`));
}

/* Clicks a download link and reads the file. One report at a time per user: a click that
 * lands while the previous download is still being released gets 429 report_in_progress
 * (saved as a small JSON file); such a click is repeated once the server has let go. */
async function download(page, locator) {
  for (let tries = 1; ; tries++) {
    const [dl] = await Promise.all([page.waitForEvent('download'), locator.click()]);
    const bytes = readFileSync(await dl.path());
    if (tries < 5 && bytes.subarray(0, 40).toString().includes('report_in_progress')) {
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    return {name: dl.suggestedFilename(), bytes};
  }
}

test('HR report: tables equal the API, downloads (desktop)', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'hr1');
  await page.waitForURL(/#\/hr$/);
  await env.shot(page, 'desktop-01-pick-exam');
  await page.getByLabel('考试编号').fill(EXAM);
  await page.getByRole('button', {name: '查看报表'}).click();
  await page.waitForURL(new RegExp(`#/hr/${EXAM}$`));
  await page.getByRole('heading', {name: '2026年度学法考法（统计验证）'}).waitFor();

  // By unit, depth 2 (the default when units have two or more levels).
  await page.locator('#rates-table').waitFor();
  assert.equal(await page.locator('#depth').inputValue(), '2');
  let json = await hr.get(`/reports/${EXAM}/pass-rates?by=org&depth=2`);
  assert.deepEqual(await ratesTable(page), expectRates(json, (r) => r.group));
  assert.equal(await page.locator('svg.bar-chart rect.chart-bar').count(), json.rows.length * 2, 'two bars per unit');
  await env.shot(page, 'desktop-02-by-unit');

  // Download the CSV of exactly this view: BOM, then the same rows.
  const csv = await download(page, page.locator('.rate-out').locator('..').locator('a[data-format="csv"]'));
  assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  const lines = parseCsv(csv.bytes.toString('utf8').slice(1));
  assert.equal(lines[0][0], '单位');
  const data = lines.slice(1).filter((l) => l[0] !== '合计');
  assert.deepEqual(data.map((l) => l.slice(0, 6)), json.rows.map((r) => [r.group, String(r.assigned), String(r.took),
    String(r.not_taken), String(r.passed), String(r.failed)]));
  assert.deepEqual(data.map((l) => l[6]), json.rows.map((r) => rate(r.participation_rate)));
  assert.equal(csv.name, `合格率统计-${EXAM}.csv`, 'the Chinese name of filename*');
  const xlsx = await download(page, page.locator('.rate-out').locator('..').locator('a[data-format="xlsx"]'));
  assert.equal(xlsx.bytes.subarray(0, 2).toString(), 'PK', 'an XLSX (zip) file');
  assert.equal(xlsx.name, `合格率统计-${EXAM}.xlsx`);

  // Depth 1. The API is asked only once the page has its answer: hr1 may build one report
  // at a time (a concurrent second one is 429 report_in_progress).
  await Promise.all([pageGot(page, 'pass-rates'), page.locator('#depth').selectOption('1')]);
  json = await hr.get(`/reports/${EXAM}/pass-rates?by=org&depth=1`);
  await page.locator('#rates-table tbody tr').first().filter({hasText: '珠晖区'}).waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('#rates-table tbody tr').length === n, json.rows.length);
  assert.deepEqual(await ratesTable(page), expectRates(json, (r) => r.group));

  // By category.
  await Promise.all([pageGot(page, 'pass-rates'), page.getByRole('button', {name: '按人员类别'}).click()]);
  json = await hr.get(`/reports/${EXAM}/pass-rates?by=category`);
  await page.locator('#rates-table tbody th', {hasText: json.rows[0].group_name}).waitFor();
  assert.deepEqual(await ratesTable(page), expectRates(json, (r) => r.group_name));
  await env.shot(page, 'desktop-03-by-category');

  // Per-person results: all rows, then filtered.
  const res = await hr.get(`/reports/${EXAM}/results`);
  const personRows = () => page.locator('#results-table').evaluate((t) =>
    Array.from(t.tBodies[0].rows).map((r) => Array.from(r.cells).map((c) => c.textContent.trim())));
  const expectPerson = (r) => [r.login, r.name, r.org, r.category_name || r.category, STATUS[r.status], score(r.score),
    r.passed === true ? '合格' : r.passed === false ? '不合格' : '—'];
  let shown = await personRows();
  assert.deepEqual(shown.map((r) => r.slice(0, 7)), res.rows.map(expectPerson));
  await page.getByLabel('状态').selectOption({label: '已交卷'});
  shown = await personRows();
  assert.deepEqual(shown.map((r) => r[0]), res.rows.filter((r) => r.status === 'submitted').map((r) => r.login));
  await page.getByLabel('状态').selectOption({label: '全部'});
  await page.getByLabel('单位（含下级）').selectOption('珠晖区/区财政局');
  shown = await personRows();
  assert.deepEqual(shown.map((r) => r[0]), res.rows.filter((r) => r.org.startsWith('珠晖区/区财政局')).map((r) => r.login));
  await page.locator('#results-table').scrollIntoViewIfNeeded();
  await env.shot(page, 'desktop-04-results-filtered');

  // The results CSV follows the filters shown: BOM, then one row per person on screen, in the
  // API's order; first the unit, then the unit with status and pass.
  const resCsv = async () => {
    const f = await download(page, page.locator('#res-title').locator('..').locator('a[data-format="csv"]'));
    assert.deepEqual([...f.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(f.name, `成绩明细-${EXAM}.csv`);
    const lines = parseCsv(f.bytes.toString('utf8').slice(1));
    assert.equal(lines[0][0], '工号');
    return lines.slice(1).map((l) => l[0]);
  };
  assert.deepEqual(await resCsv(), res.rows.filter((r) => r.org.startsWith('珠晖区/区财政局')).map((r) => r.login));
  await page.getByLabel('单位（含下级）').selectOption('珠晖区/区司法局');
  await page.getByLabel('状态').selectOption({label: '已交卷'});
  await page.getByLabel('是否合格').selectOption({label: '合格'});
  shown = (await personRows()).map((r) => r[0]);
  const want = res.rows.filter((r) => r.org.startsWith('珠晖区/区司法局') && r.status === 'submitted' && r.passed === true)
    .map((r) => r.login);
  assert.ok(want.length > 0 && want.length < res.rows.length, 'the filters leave some people out');
  assert.deepEqual(shown, want);
  assert.deepEqual(await resCsv(), want, 'the download holds the people on screen');
  const href = await page.locator('#res-title').locator('..').locator('a[data-format="xlsx"]').getAttribute('href');
  const q = new URL(href, env.base).searchParams;
  assert.deepEqual([q.get('status'), q.get('org'), q.get('passed'), q.get('format')],
    ['submitted', '珠晖区/区司法局', '1', 'xlsx']);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('HR report on a phone', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true});
  const page = await env.newPage(ctx);
  await env.login(page, 'hr1');
  await page.waitForURL(/#\/hr$/);
  await env.shot(page, 'phone-01-pick-exam');
  await page.goto(`/#/hr/${EXAM}`);
  await page.locator('#rates-table').waitFor();
  await page.locator('svg.bar-chart').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  await env.shot(page, 'phone-02-report');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
