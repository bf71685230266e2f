// examinee_day.test.mjs — an examinee's exam across a real server outage (SPEC §12): the
// examinee starts, answers; lawexamd is stopped for about 15 s and started again on the same
// database and address; an answer given meanwhile waits on the page and is saved once the
// server is back, whose start-up credited the gap (故障补时); the page says
// "因系统故障，考试时间已延长 …" and counts to the later deadline; the examinee hands in,
// reads and prints the answer receipt (回执) on the result page, and the receipt's code
// verifies through GET /api/v1/receipts/{code}. Before all that, the home page shows the
// notice (通知公告) an administrator posted to the examinee's unit. outage.test.mjs covers the page's check at
// zero with a credit written behind its back; this one is the real stop and restart.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {Env, demoExam, VIEWPORTS, sleep, waitFor} from './harness.mjs';
import {answerCurrent, openQuestion, remainingSeconds, waitSaved} from './exam-helpers.mjs';

const env = new Env('examinee_day');
const EXAM = 'day-2026';
const DOWN_MS = 15000;
const UNIT = '珠晖区/区司法局';
const NOTICE = '关于2026年度学法考法的考试安排';

before(async () => {
  env.init();
  env.addUser('d001', {name: '周敏', org: UNIT + '/普法股'});
  env.addUser('admin1', {name: '王管理', org: UNIT, roles: 'admin'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  env.createExam(demoExam(EXAM, {title: '2026年度学法考法（考生的一天）', duration_minutes: 30}));
  await env.start();
  const adm = await env.apiAs('admin1');
  const now = Date.now();
  const r = await adm.raw('POST', '/admin/notices', {data: {
    title: NOTICE, body: '考试时间 30 分钟，请提前登录。如遇系统故障，系统将自动补时。', org: UNIT,
    from: new Date(now - 60000).toISOString().replace(/\.\d+Z$/, 'Z'),
    until: new Date(now + 86400000).toISOString().replace(/\.\d+Z$/, 'Z')}});
  assert.equal(r.status(), 201, await r.text());
  await adm.dispose();
});

after(async () => {
  await env.stop();
});

/* A screenshot at 1366×768 and at 390×844 of the same state. */
async function shots(page, name) {
  await env.shot(page, `desktop-${name}`);
  await page.setViewportSize(VIEWPORTS.phone);
  await page.waitForTimeout(200);
  await env.shot(page, `phone-${name}`);
  await page.setViewportSize(VIEWPORTS.desktop);
  await page.waitForTimeout(200);
}

test('an examinee loses no time to a server outage and keeps a receipt', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'd001');
  // The notice to the examinee's unit (a sub-unit of the notice's) is on the home page.
  const notices = page.getByRole('region', {name: '通知公告'});
  await notices.locator('.notice-title', {hasText: NOTICE}).waitFor();
  await shots(page, '00-notice');
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.waitForURL(/#\/exam\/\d+$/);
  const id = Number(/#\/exam\/(\d+)$/.exec(page.url())[1]);
  await answerCurrent(page, 1);
  await waitSaved(page);
  const api = await env.apiAs('d001');
  const before = await api.get(`/attempts/${id}`);
  assert.deepEqual(before.credits, [], 'no credit before the outage');
  await api.dispose();
  assert.equal(await page.locator('.credit-note').isVisible(), false);

  // The server stops (as a crash would: no goodbye), stays down about 15 s, starts again on the
  // same database and address. An answer given meanwhile waits on the page.
  await env.stopServer('SIGKILL');
  const downAt = Date.now();
  await openQuestion(page, 2);
  await answerCurrent(page, 2);
  await page.locator('.save-state', {hasNotText: '已保存'}).waitFor();
  await sleep(DOWN_MS - (Date.now() - downAt));
  await env.start({samePort: true});
  const gap = Math.round((Date.now() - downAt) / 1000);

  // The waiting answer is saved; its reply carries the moved deadline, the page fetches the
  // attempt and explains the later deadline.
  await waitSaved(page, 30000);
  const note = page.locator('.credit-note', {hasText: /因系统故障，考试时间已延长 \d+( 分)?( \d+ 秒)?/});
  await note.waitFor({timeout: 20000});
  const c = await env.apiAs('d001');
  const a = await c.get(`/attempts/${id}`);
  assert.equal(a.credits.length, 1, JSON.stringify(a.credits));
  const credit = a.credits[0];
  assert.equal(credit.reason, 'outage');
  assert.ok(credit.seconds >= DOWN_MS / 1000 - 1 && credit.seconds <= gap + 7,
    `the credit ${credit.seconds}s covers the ${gap}s the server was away (plus at most one liveness interval)`);
  assert.equal(Date.parse(a.deadline) - Date.parse(before.deadline), credit.seconds * 1000, 'the deadline moved by the credit');
  assert.ok(a.answers['2'], 'the answer given during the outage is stored');
  const m = Math.floor(credit.seconds / 60);
  const s = credit.seconds % 60;
  const said = m && s ? `${m} 分 ${s} 秒` : m ? `${m} 分钟` : `${s} 秒`;
  assert.equal((await note.innerText()).trim(), `因系统故障，考试时间已延长 ${said}。`);
  // the countdown redraws every 250 ms: within a second it counts to the new deadline
  await waitFor(async () => {
    const left = await remainingSeconds(page);
    const want = Math.round((Date.parse(a.deadline) - Date.now()) / 1000);
    return Math.abs(left - want) <= 2 || null;
  }, {timeout: 2000, interval: 100, what: 'the countdown to the credited deadline'});
  await shots(page, '01-credit-notice');

  // Hand in; the result page shows the receipt.
  await page.locator('.exam-bar').getByRole('button', {name: '交卷'}).click();
  const dlg = page.getByRole('dialog', {name: '确认交卷'});
  await dlg.waitFor();
  await dlg.getByRole('button', {name: '确认交卷'}).click();
  await page.waitForURL(new RegExp(`#/result/${id}$`));
  await page.getByRole('heading', {name: '已交卷'}).waitFor();
  const box = page.locator('.receipt-box');
  await box.getByText('交卷回执').waitFor();
  const code = (await box.locator('.receipt-code').innerText()).trim();
  assert.match(code, /^[A-Z2-7]{4}(-?[A-Z2-7]{4}){3}$/, `a 16-character base32 receipt code: ${code}`);
  assert.equal(await box.getAttribute('data-receipt'), code);
  await shots(page, '02-receipt');

  // 打印回执: the print view keeps the receipt and drops the page's chrome and buttons.
  await page.evaluate(() => {
    window.__printed = 0;
    window.print = () => { window.__printed += 1; };
  });
  await box.getByRole('button', {name: '打印回执'}).click();
  assert.equal(await page.evaluate(() => window.__printed), 1, '打印回执 opens the print dialog');
  await page.emulateMedia({media: 'print'});
  assert.ok(await box.locator('.receipt-code').isVisible(), 'the code is printed');
  assert.equal(await box.getByRole('button', {name: '打印回执'}).isVisible(), false, 'the button is not printed');
  assert.equal(await page.locator('.topbar').first().isVisible(), false, 'the top bar is not printed');
  await shots(page, '03-receipt-print');
  await page.emulateMedia({media: 'screen'});

  // The code verifies: this attempt, this examinee, this exam, the time it was handed in.
  const v = await c.get(`/receipts/${encodeURIComponent(code)}`);
  const done = await c.get(`/attempts/${id}`);
  assert.equal(v.valid, true, JSON.stringify(v));
  assert.deepEqual([v.login, v.exam, v.attempt_id, v.submitted_at], ['d001', EXAM, id, done.submitted_at]);
  assert.equal(done.receipt, code);
  assert.match(v.answers_sha256, /^[0-9a-f]{64}$/);
  await c.dispose();
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
