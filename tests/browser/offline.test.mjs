// offline.test.mjs — the network drops in the middle of the exam: answers given offline are
// kept in the browser, the page says so (离线，答案已暂存), and when the network returns the
// server gets every one of them without a further click. Also: answers left unsent when the
// tab was closed go to the server on the next page load, and an attempt continued on a
// second device (a phone) keeps saving over what the first one sent.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {Env, demoExam, VIEWPORTS, waitFor} from './harness.mjs';
import {openQuestion, answerCurrent, waitSaved} from './exam-helpers.mjs';

const env = new Env('offline');
let api, api2;

before(async () => {
  env.init();
  env.addUser('e3001', {name: '王建国'});
  env.addUser('e3002', {name: '李秀英'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  env.createExam(demoExam('demo'));
  await env.start();
  api = await env.apiAs('e3001');
  api2 = await env.apiAs('e3002');
});

after(async () => {
  if (api) await api.dispose();
  if (api2) await api2.dispose();
  await env.stop();
});

async function checkedKeys(page, pos) {
  return page.locator(`.question-card[data-pos="${pos}"] .option-input`).evaluateAll(
    (inputs) => inputs.filter((i) => i.checked).map((i) => i.value).sort().join(''));
}

test('answers given offline reach the server when the network returns', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'e3001');
  await page.waitForURL(/#\/exams$/);
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.waitForURL(/#\/exam\/\d+$/);
  const attemptId = /#\/exam\/(\d+)$/.exec(page.url())[1];
  await page.locator('.question-card').waitFor();
  await waitSaved(page);

  // Offline: three questions of the three types.
  await ctx.setOffline(true);
  const expected = {};
  for (const pos of [1, 5, 8]) {
    await openQuestion(page, pos);
    await answerCurrent(page, pos);
    expected[pos] = await checkedKeys(page, pos);
  }
  await page.locator('.save-state', {hasText: '离线，答案已暂存'}).waitFor();
  await page.waitForTimeout(500);
  await env.shot(page, 'desktop-01-offline');
  let server = await api.get(`/attempts/${attemptId}`);
  for (const pos of [1, 5, 8]) assert.equal(server.answers[String(pos)], undefined, `nothing reached the server yet (${pos})`);

  // Online again: no click, the queue flushes by itself.
  await ctx.setOffline(false);
  server = await waitFor(async () => {
    const a = await api.get(`/attempts/${attemptId}`);
    return [1, 5, 8].every((p) => a.answers[String(p)] === expected[p]) && a;
  }, {what: 'the three offline answers on the server'});
  await waitSaved(page);
  await env.shot(page, 'desktop-02-back-online');

  // Offline again, answer, close the tab; the next page load (any page) sends it.
  await ctx.setOffline(true);
  await openQuestion(page, 2);
  await answerCurrent(page, 2);
  expected[2] = await checkedKeys(page, 2);
  await page.locator('.save-state', {hasText: '离线，答案已暂存'}).waitFor();
  await page.close();
  await ctx.setOffline(false);
  const page2 = await env.newPage(ctx);
  await page2.goto('/#/exams');
  await waitFor(async () => (await api.get(`/attempts/${attemptId}`)).answers['2'] === expected[2],
    {what: 'the answer left in the closed tab, sent on the next page load'});
  await page2.close();
  await ctx.close();
  assert.deepEqual(page.problems, []);
});

test('the same attempt continued on a phone, offline and back', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true});
  const page = await env.newPage(ctx);
  await env.login(page, 'e3001');
  await page.waitForURL(/#\/exams$/);
  await page.locator('.exam-card').getByRole('button', {name: '继续作答'}).click();
  await page.waitForURL(/#\/exam\/\d+$/);
  const attemptId = /#\/exam\/(\d+)$/.exec(page.url())[1];
  await page.locator('.question-card').waitFor();
  // The answers given on the desktop are there.
  const before = await api.get(`/attempts/${attemptId}`);
  await openQuestion(page, 5);
  assert.equal(await checkedKeys(page, 5), before.answers['5']);

  // Change question 5 (a multiple) offline: other keys than the desktop's.
  await ctx.setOffline(true);
  const card = page.locator('.question-card[data-pos="5"]');
  const boxes = card.locator('label.option');
  await boxes.nth(0).click(); // un-tick A
  await boxes.nth(2).click(); // tick C
  const want = await checkedKeys(page, 5);
  assert.notEqual(want, before.answers['5']);
  await page.locator('.save-state', {hasText: '离线，答案已暂存'}).waitFor();
  await env.shot(page, 'phone-01-offline');
  await ctx.setOffline(false);
  await waitFor(async () => (await api.get(`/attempts/${attemptId}`)).answers['5'] === want,
    {what: 'the phone\'s newer answer accepted over the desktop\'s (seq continues across devices)'});
  await waitSaved(page);
  await env.shot(page, 'phone-02-back-online');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('one bad answer in a batch costs only that answer (422 names it, the rest is sent again)', async () => {
  // The page itself never makes a bad answer; a corrupted one is made here by rewriting the
  // first save that carries question 5, as a damaged local store or a proxy might.
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx, {allowHttp: ['422 PUT /api/v1/attempts/']}); // the corrupted save, on purpose
  await env.login(page, 'e3002');
  await page.waitForURL(/#\/exams$/);
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.waitForURL(/#\/exam\/\d+$/);
  const attemptId = /#\/exam\/(\d+)$/.exec(page.url())[1];
  await page.locator('.question-card').waitFor();
  await waitSaved(page);

  await ctx.setOffline(true);
  const expected = {};
  for (const pos of [1, 5, 8]) {
    await openQuestion(page, pos);
    await answerCurrent(page, pos);
    expected[pos] = await checkedKeys(page, pos);
  }
  await page.locator('.save-state', {hasText: '离线，答案已暂存'}).waitFor();
  // While offline the submit dialog warns and 确认交卷 cannot be pressed (issue 15).
  await page.getByRole('button', {name: '交卷'}).first().click();
  const dlg = page.getByRole('dialog', {name: '确认交卷'});
  await dlg.waitFor();
  assert.equal(await dlg.getByRole('button', {name: '确认交卷'}).isDisabled(), true, 'submit disabled offline');
  await env.shot(page, 'desktop-03-submit-offline');
  await dlg.getByRole('button', {name: '返回检查'}).click();
  await dlg.waitFor({state: 'detached'});
  const replies = [];
  let corrupted = 0;
  await page.route('**/api/v1/attempts/*/answers', async (route) => {
    const body = JSON.parse(route.request().postData() || '{}');
    const five = (body.answers || []).find((a) => a.position === 5);
    if (five && corrupted === 0) {
      corrupted++;
      five.response = 'ZZ';
      const resp = await route.fetch({postData: JSON.stringify(body)});
      replies.push({status: resp.status(), body: await resp.json(), sent: body.answers.map((a) => a.position)});
      await route.fulfill({response: resp});
      return;
    }
    replies.push({status: 'passed', sent: (body.answers || []).map((a) => a.position)});
    await route.continue();
  });
  await ctx.setOffline(false);
  const server = await waitFor(async () => {
    const a = await api2.get(`/attempts/${attemptId}`);
    return a.answers['1'] === expected[1] && a.answers['8'] === expected[8] && a;
  }, {what: 'the two good answers of the refused batch, sent again'});
  assert.equal(corrupted, 1);
  assert.equal(replies[0].status, 422);
  assert.deepEqual(replies[0].body.error.details.map((d) => d.position), [5], 'the 422 names only question 5');
  assert.deepEqual([...replies[0].sent].sort(), [1, 5, 8]);
  assert.deepEqual([...replies[1].sent].sort(), [1, 8], 'the resend carries the good answers only');
  assert.equal(server.answers['5'], undefined, 'the corrupted answer was dropped, not stored');
  await waitSaved(page);
  await page.unroute('**/api/v1/attempts/*/answers');
  await ctx.close();
  assert.deepEqual(page.problems, []);
});
