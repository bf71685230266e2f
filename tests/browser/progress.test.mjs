// progress.test.mjs — a roster import of a few hundred new staff shows its progress: the
// server hashes one first password per person on its hash pool (argon2id at the default
// 19 MiB here, so the work takes seconds, as a real 2,000-person roster takes half a minute),
// and the 「人员名单」 page polls GET /admin/jobs/{id} and draws a bar with the count and the
// time left. The bar must move (two different counts below the total) before the result
// appears, for the check (dry run) and for the import; then the initial-password download
// carries 姓名 and 单位 for the slips.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Env, VIEWPORTS, sleep} from './harness.mjs';

const env = new Env('progress');
const N = 300;
let roster;

before(async () => {
  env.init();
  env.addUser('admin1', {name: '王管理', org: '珠晖区/区司法局', roles: 'admin'});
  const rows = ['工号,姓名,单位,类别'];
  for (let i = 0; i < N; i++) rows.push(`p${String(i).padStart(4, '0')},人员${i},珠晖区/单位${i % 7},general`);
  roster = join(env.dir, 'roster-300.csv');
  writeFileSync(roster, '\ufeff' + rows.join('\r\n') + '\r\n');
  await env.start({argon2M: 19456});
});

after(async () => {
  await env.stop();
});

/** Samples the bar every 100 ms until the upload panel shows its result; returns the samples. */
async function sampleBar(page) {
  const samples = [];
  for (let i = 0; i < 1200; i++) {
    const s = await page.evaluate(() => {
      const bar = document.getElementById('job-progress');
      const text = document.getElementById('job-progress-text');
      return {bar: bar ? {value: Number(bar.value), max: Number(bar.max), text: text.textContent} : null,
        result: !!document.querySelector('.upload-result .preview')};
    });
    if (s.result) return samples;
    if (s.bar) samples.push(s.bar);
    await sleep(100);
  }
  throw new Error('no result after two minutes');
}

function assertMoved(samples, what) {
  const counts = [...new Set(samples.filter((s) => s.max === N && s.value > 0 && s.value < N).map((s) => s.value))];
  assert.ok(counts.length >= 2, `${what}: the bar moved before the result (${JSON.stringify(samples.slice(-5))})`);
  for (let i = 1; i < samples.length; i++) {
    if (samples[i].max === N && samples[i - 1].max === N) assert.ok(samples[i].value >= samples[i - 1].value, `${what}: never backwards`);
  }
  assert.ok(samples.some((s) => new RegExp(`^\\d+ / ${N}（\\d+%）`).test(s.text)), `${what}: count and percent shown`);
  assert.ok(samples.some((s) => /预计还需 \d+/.test(s.text)) || what === 'import', `${what}: the time left shown`);
}

test('roster import: a progress bar with count and time left while the server hashes', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop, acceptDownloads: true});
  const page = await env.newPage(ctx);
  await env.login(page, 'admin1');
  await page.waitForURL(/#\/admin/);
  await page.goto('/#/admin/staff');
  await page.locator('#staff-file').setInputFiles(roster);

  await page.getByRole('button', {name: '检查文件（不导入）'}).click();
  await page.locator('#job-progress').waitFor();
  const first = await sampleBar(page);
  assertMoved(first, 'check');
  await page.locator('.preview.ok').waitFor();
  assert.equal(await page.locator('#job-progress').count(), 0, 'the bar is gone with the result');

  await page.getByRole('button', {name: '确认导入'}).click();
  await page.locator('#job-progress').waitFor();
  await page.waitForFunction(() => /预计还需/.test(document.getElementById('job-progress-text')?.textContent || ''));
  await env.shot(page, 'desktop-01-import-progress');
  assertMoved(await sampleBar(page), 'import');
  await page.getByText('人员名单已导入').waitFor();
  await env.shot(page, 'desktop-02-imported');

  // The initial passwords, with name and unit for the slips.
  const [dl] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('link', {name: '下载初始密码（CSV）'}).click()]);
  const lines = readFileSync(await dl.path(), 'utf8').replace(/^\ufeff/, '').trim().split('\r\n');
  assert.equal(lines[0], '工号,初始密码,姓名,单位');
  assert.equal(lines.length, N + 1);
  assert.match(lines[1], /^p0000,[A-Za-z0-9]{12},人员0,珠晖区\/单位0$/);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
