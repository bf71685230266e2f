// slownet.test.mjs — an exam end to end on an emulated slow mobile network ("Regular 3G" as
// Chrome's DevTools name it: 100 ms latency, 750 kbit/s down, 250 kbit/s up, through CDP
// Network.emulateNetworkConditions), from a browser with nothing cached: the login page, log
// in, start a 45-question exam, answer every question (each answer acknowledged: the save
// indicator says 已保存 before the next one), submit, the result. It asserts the exam completes
// with every answer stored as given, and prints the wall time and the bytes the browser
// received (CDP Network.loadingFinished encodedDataLength: bodies as sent, gzip included, and
// headers), static files and API apart. docs/benchmarks.md quotes the figures.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {Env, demoExam, VIEWPORTS} from './harness.mjs';
import {answerCurrent, waitSaved} from './exam-helpers.mjs';

const env = new Env('slownet');

const REGULAR_3G = {
  offline: false,
  latency: 100,                              // ms added to each request's round trip
  downloadThroughput: (750 * 1000) / 8,      // bytes per second
  uploadThroughput: (250 * 1000) / 8,
  connectionType: 'cellular3g',
};
const BUDGET_MS = 180000; // the whole exam, reading time aside, must not take longer than this

before(async () => {
  env.init();
  env.addUser('s0001', {name: '慢网考生', org: '珠晖区/区司法局/普法股'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  env.createExam(demoExam('annual', {title: '2026年度学法考法（慢速网络）', papers: [{
    categories: ['leader', 'enforcement', 'general'],
    sections: [
      {title: '宪法', bank: 'constitution', type: 'single', count: 25, points: 2},
      {title: '民法典', bank: 'civil-code', type: 'multiple', count: 10, points: 3},
      {title: '党内法规', bank: 'party-regulations', type: 'judge', count: 10, points: 2},
    ],
  }]}));
  await env.start();
});

after(async () => {
  await env.stop();
});

const kib = (n) => (n / 1024).toFixed(1) + ' KiB';

test('an exam end to end on Regular 3G (100 ms, 750 kbit/s down, 250 kbit/s up)', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true});
  const page = await env.newPage(ctx);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', {cacheDisabled: true}); // a first visit, nothing cached
  await cdp.send('Network.emulateNetworkConditions', REGULAR_3G);

  const urls = new Map();
  const bytes = {static: 0, api: 0};
  const count = {static: 0, api: 0, saves: 0};
  const byRoute = new Map(); // "PUT /api/v1/attempts/{id}/answers" → {n, bytes}
  const failed = [];
  cdp.on('Network.requestWillBeSent', (e) => {
    urls.set(e.requestId, {url: e.request.url, method: e.request.method});
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = urls.get(e.requestId);
    if (!r) return;
    const path = new URL(r.url).pathname;
    const kind = path.startsWith('/api/') ? 'api' : 'static';
    bytes[kind] += e.encodedDataLength;
    count[kind]++;
    if (r.method === 'PUT' && /\/answers$/.test(path)) count.saves++;
    if (kind === 'api') {
      const route = r.method + ' ' + path.replace(/\/\d+(?=\/|$)/g, '/{id}');
      const e2 = byRoute.get(route) || {n: 0, bytes: 0};
      e2.n++;
      e2.bytes += e.encodedDataLength;
      byRoute.set(route, e2);
    }
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = urls.get(e.requestId);
    if (r) failed.push(`${r.method} ${r.url}: ${e.errorText}`);
  });

  const t0 = Date.now();
  await page.goto('/#/login');
  await page.getByLabel('工号').waitFor();
  const tLogin = Date.now() - t0;
  const staticAtLogin = bytes.static;
  await env.login(page, 's0001');
  await page.waitForURL(/#\/exams$/);
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.waitForURL(/#\/exam\/\d+$/, {timeout: 30000});
  const attemptId = /#\/exam\/(\d+)$/.exec(page.url())[1];
  await page.locator('.question-card').waitFor({timeout: 30000});
  const tStarted = Date.now() - t0;

  const total = await page.locator('.nav-q').count();
  assert.equal(total, 45);
  const given = {};
  for (let pos = 1; pos <= total; pos++) {
    await page.locator(`.question-card[data-pos="${pos}"]`).waitFor();
    await answerCurrent(page, pos);
    given[pos] = await page.locator(`.question-card[data-pos="${pos}"] .option-input:checked`)
      .evaluateAll((els) => els.map((e) => e.value).sort().join(''));
    await page.locator(`.nav-q[data-pos="${pos}"].answered`).waitFor();
    await waitSaved(page, 20000); // acknowledged by the server before the next question
    if (pos < total) await page.getByRole('button', {name: '下一题'}).click();
  }
  const tAnswered = Date.now() - t0;
  await page.locator('.exam-bar').getByRole('button', {name: '交卷'}).click();
  const dlg = page.getByRole('dialog', {name: '确认交卷'});
  await dlg.getByText(`全部 ${total} 道题均已作答`).waitFor();
  await dlg.getByRole('button', {name: '确认交卷'}).click();
  await page.waitForURL(new RegExp(`#/result/${attemptId}$`), {timeout: 30000});
  await page.locator('.score-value').waitFor({timeout: 30000});
  const wall = Date.now() - t0;

  const api = await env.apiAs('s0001');
  const done = await api.get(`/attempts/${attemptId}`);
  await api.dispose();
  assert.equal(done.status, 'submitted');
  for (let pos = 1; pos <= total; pos++) assert.equal(done.answers[String(pos)], given[pos], `answer ${pos} stored as given`);
  assert.equal(Number(await page.locator('.score-value').innerText()), done.result.score);
  assert.deepEqual(failed, [], 'no request failed');
  assert.ok(wall < BUDGET_MS, `the exam took ${wall} ms on Regular 3G (budget ${BUDGET_MS} ms)`);

  console.log(`slow network (Regular 3G): login page usable after ${(tLogin / 1000).toFixed(1)} s ` +
    `(${kib(staticAtLogin)} static), exam on screen after ${(tStarted / 1000).toFixed(1)} s, ` +
    `${total} answers saved one by one after ${(tAnswered / 1000).toFixed(1)} s, result after ${(wall / 1000).toFixed(1)} s`);
  console.log(`slow network bytes received: static ${kib(bytes.static)} in ${count.static} responses, ` +
    `API ${kib(bytes.api)} in ${count.api} responses (${count.saves} answer saves), total ${kib(bytes.static + bytes.api)}`);
  for (const [route, v] of [...byRoute].sort((a, b) => b[1].bytes - a[1].bytes)) {
    console.log(`slow network API ${route}: ${v.n} × ${Math.round(v.bytes / v.n)} B = ${kib(v.bytes)}`);
  }
  assert.deepEqual(page.problems, []);
  await cdp.detach();
  await ctx.close();
});
