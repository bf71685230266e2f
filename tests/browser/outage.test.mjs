// outage.test.mjs — outage credit (故障补时, SPEC §12) on the exam page: the server moves the
// deadline of an attempt in progress (here, as lawexamd does at start-up after an outage, by
// writing the credit into its database with sqlite3 while the page is counting). At zero
// the page asks the server before handing in, finds the later deadline, keeps counting and
// says "因系统故障，考试时间已延长 N 分钟"; a reload shows the same.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {Env, demoExam, VIEWPORTS, rfc3339} from './harness.mjs';
import {remainingSeconds} from './exam-helpers.mjs';

const env = new Env('outage');
const CLOSES_IN = 20;

before(async () => {
  env.init();
  env.addUser('e5001', {name: '刘洋'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  await env.start({graceSeconds: 2});
});

after(async () => {
  await env.stop();
});

function sql(text) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', env.db, text], {encoding: 'utf8'});
  assert.equal(r.status, 0, r.stderr);
}

test('the page follows a credited deadline and says why', async () => {
  const closes = new Date(Date.now() + CLOSES_IN * 1000);
  env.createExam(demoExam('brief', {title: '故障补时验证', closes_at: rfc3339(closes), duration_minutes: 30}));
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'e5001');
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.waitForURL(/#\/exam\/\d+$/);
  await page.locator('.question-card').waitFor();
  const id = /#\/exam\/(\d+)$/.exec(page.url())[1];
  assert.equal(await page.locator('.credit-note').isVisible(), false, 'no notice without a credit');

  // Behind the page: 3 minutes of outage credit.
  sql(`UPDATE attempts SET deadline = deadline + 180 WHERE id = ${id};` +
      `INSERT INTO attempt_credits(attempt_id, seconds, reason, at) VALUES(${id}, 180, 'outage', strftime('%s','now'));`);
  // The old deadline passes: the page asks the server, and does not hand in.
  await page.locator('.credit-note', {hasText: '因系统故障，考试时间已延长 3 分钟'})
    .waitFor({timeout: (closes.getTime() - Date.now()) + 10000});
  assert.ok(Date.now() >= closes.getTime() - 1500, 'the notice came with the check at zero');
  await page.waitForTimeout(1500);
  assert.match(page.url(), /#\/exam\/\d+$/, 'still on the exam page');
  const left = await remainingSeconds(page);
  assert.ok(left > 150 && left <= 180, `counting to the new deadline: ${left}s left`);
  await env.shot(page, 'desktop-01-credit');

  await page.reload();
  await page.locator('.credit-note', {hasText: '因系统故障，考试时间已延长 3 分钟'}).waitFor();
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
