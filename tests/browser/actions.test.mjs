// actions.test.mjs — the administrator's per-person actions and central grading in the
// browser (SPEC §12): on the exam page the administrator finds people by 工号 and extends one
// person's time, force-submits another's attempt and exempts a third (免考), each after a
// reason in a dialog; the item analysis flags the deliberately wrong key of one question,
// its link leads to the regrade page, where the key is fixed, the dry run lists the changed
// scores and flips, and the regrade is applied. Each step is checked through the API.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Env, VIEWPORTS, waitFor} from './harness.mjs';
import {checkA11y} from './a11y.mjs';
import {answerCurrent, remainingSeconds, waitSaved} from './exam-helpers.mjs';

const env = new Env('actions');
const EXAM = 'act-web';
const BANK = 'webrg';
// Question 0's stored key is A; B is right. The others are keyed as stored.
const KEYS = ['A', 'C', 'D', 'B', 'A'];
// Regrade examinees: answers by question index; old and new scores (pass: 6 of 10).
const PLAN = {
  r1: [['B', 'C', 'D', 'B', 'A'], 8, 10],
  r2: [['B', 'C', 'D', 'B', 'C'], 6, 8],
  r3: [['A', 'A', 'A', 'A', 'C'], 2, 0],
  r4: [['B', 'C', 'D', 'A', 'C'], 4, 6],
  r5: [['A', 'C', 'D', 'A', 'C'], 6, 4],
};
const apis = {};

function qIndex(q) {
  return Number(/第(\d+)题/.exec(q.stem)[1]);
}

function shown(q, original) {
  const text = `第${qIndex(q)}题选项${'甲乙丙丁'['ABCD'.indexOf(original)]}`;
  return q.options.find((o) => o.text === text).key;
}

before(async () => {
  env.init();
  env.addUser('admin1', {name: '王管理', org: '珠晖区/区司法局', roles: 'admin'});
  for (const [login, name] of [['p1', '张延时'], ['p2', '李交卷'], ['p3', '赵免考'], ['p4', '孙答题']]) env.addUser(login, {name});
  for (const login of Object.keys(PLAN)) env.addUser(login, {name: '考生' + login});
  const bank = {format: 'lawexam-bank/1', bank: {code: BANK, title: '阅卷题库', subject: '阅卷'},
    questions: KEYS.map((key, i) => ({id: `${BANK}-s${String(i).padStart(4, '0')}`, type: 'single',
      stem: `〈阅卷〉第${i}题：下列说法正确的是？`, options: [0, 1, 2, 3].map((j) => `第${i}题选项${'甲乙丙丁'[j]}`),
      answer: key, explanation: `解析${i}`, basis: `《测试法》第${i}条`}))};
  const file = join(env.dir, 'webrg.json');
  writeFileSync(file, JSON.stringify(bank));
  env.importBank(file);
  env.createExam({code: EXAM, title: '集中阅卷（浏览器）', review: 'never',
    papers: [{categories: ['leader', 'enforcement', 'general'], sections: [
      {title: '单选', bank: BANK, type: 'single', count: 5, points: 2}]}]});
  await env.start();
  for (const login of ['admin1', 'p1', 'p2', 'p3', 'p4', ...Object.keys(PLAN)]) apis[login] = await env.apiAs(login);
  for (const [login, [answers]] of Object.entries(PLAN)) {
    const a = await (await apis[login].raw('POST', `/exams/${EXAM}/attempts`)).json();
    const items = a.questions.map((q) => ({position: q.position, response: shown(q, answers[qIndex(q)]), seq: 1}));
    assert.equal((await apis[login].raw('PUT', `/attempts/${a.id}/answers`, {data: {answers: items}})).status(), 200);
    assert.equal((await apis[login].raw('POST', `/attempts/${a.id}/submit`)).status(), 200);
  }
});

after(async () => {
  for (const a of Object.values(apis)) await a.dispose();
  await env.stop();
});

async function startAttempt(login) {
  const r = await apis[login].raw('POST', `/exams/${EXAM}/attempts`);
  assert.equal(r.status(), 201);
  return r.json();
}

async function lookup(page, login) {
  const card = page.locator('section', {has: page.getByRole('heading', {name: '考生操作'})});
  await card.getByLabel('工号').fill(login);
  await card.getByRole('button', {name: '查找'}).click();
  await card.getByRole('group', {name: new RegExp(`${login}`)}).waitFor();
  return card;
}

async function confirmDialog(page, {minutes, reason}) {
  const dlg = page.getByRole('dialog');
  await dlg.waitFor();
  if (minutes !== undefined) await dlg.getByLabel(/延长分钟数/).fill(String(minutes));
  await dlg.getByLabel(/原因/).fill(reason);
  await env.check(page, 'dialog');
  await dlg.getByRole('button', {name: '确定'}).click();
  await dlg.waitFor({state: 'detached'});
}

test('extend, force-submit and exempt from the exam page; the item analysis leads to a regrade (desktop)', async () => {
  const a1 = await startAttempt('p1');
  const a2 = await startAttempt('p2');
  /* bypassCSP: axe-core is injected with an inline script for the accessibility checks */
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop, bypassCSP: true});
  const page = await env.newPage(ctx);
  await env.login(page, 'admin1');
  await page.waitForURL(/#\/admin$/);
  await page.goto(`/#/admin/exams/${EXAM}`);
  await page.getByRole('heading', {name: '考生操作'}).waitFor();

  // 1. extend p1 by 15 minutes
  let card = await lookup(page, 'p1');
  await card.getByRole('button', {name: '延长时间：张延时（p1）'}).click();
  await confirmDialog(page, {minutes: 15, reason: '机房断电，补时 15 分钟'});
  const got1 = await waitFor(async () => {
    const a = await apis.p1.get(`/attempts/${a1.id}`);
    return Date.parse(a.deadline) === Date.parse(a1.deadline) + 15 * 60000 && a;
  }, {what: 'p1 deadline moved by 15 minutes'});
  assert.ok(got1.credits.some((c) => c.reason === 'extend' && c.seconds === 900));
  await env.shot(page, 'desktop-01-extended');

  // 2. force-submit p2
  card = await lookup(page, 'p2');
  await card.getByRole('button', {name: '强制交卷：李交卷（p2）'}).click();
  await confirmDialog(page, {reason: '考生身体不适，提前结束'});
  await waitFor(async () => (await apis.p2.get(`/attempts/${a2.id}`)).status === 'submitted', {what: 'p2 submitted'});
  await card.getByRole('group', {name: /p2/}).getByRole('button', {name: /补考/}).waitFor();

  // 3. exempt p3: out of 应考人数, the monitor counts them apart
  const before = (await apis.admin1.get(`/reports/${EXAM}/pass-rates?by=org`)).total;
  card = await lookup(page, 'p3');
  await card.getByRole('button', {name: '免考：赵免考（p3）'}).click();
  await confirmDialog(page, {reason: '援疆挂职，批准免考'});
  await card.getByRole('button', {name: '取消免考：赵免考（p3）'}).waitFor();
  const afterTotal = (await apis.admin1.get(`/reports/${EXAM}/pass-rates?by=org`)).total;
  assert.equal(afterTotal.assigned, before.assigned - 1);
  assert.equal(afterTotal.exempt, 1);
  assert.equal((await apis.p3.raw('POST', `/exams/${EXAM}/attempts`)).status(), 403);
  await page.getByRole('button', {name: '立即刷新'}).click();
  await waitFor(async () => (await page.locator('.stat-value[data-key="exempt"]').textContent()) === '1',
    {what: 'the monitor shows 1 exempt'});
  await env.shot(page, 'desktop-02-exempt');

  // 4. the item analysis flags question 0; its link opens the regrade page for it
  await page.getByRole('link', {name: '试题分析'}).click();
  await page.waitForURL(new RegExp(`#/admin/exams/${EXAM}/items$`));
  const suspect = page.locator('li.suspect');
  await suspect.first().waitFor();
  assert.equal(await suspect.count(), 1, 'exactly the wrongly keyed question is suspect');
  assert.equal(await suspect.getAttribute('data-qid'), `${BANK}-s0000`);
  await env.shot(page, 'desktop-03-items');
  await checkA11y(page, 'item analysis (#/admin/exams/{code}/items)');
  await suspect.getByRole('link', {name: `复核答案并试算重新评分：${BANK}-s0000`}).click();
  await page.waitForURL(/\/regrade\?/);
  assert.equal(await page.getByLabel('正确答案').inputValue(), 'B', 'the option the upper group chose is offered');
  assert.equal(await page.getByLabel('题号').inputValue(), `${BANK}-s0000`);
  await page.getByRole('button', {name: '保存答案'}).click();
  await page.getByText('答案已由 A 改为 B').waitFor();

  // 5. the dry run lists the changes; nothing is stored until applied
  await page.getByRole('button', {name: '试算（不保存）'}).click();
  const table = page.getByRole('table', {name: '试算：成绩变化'});
  await table.waitFor();
  const changed = Object.entries(PLAN).filter(([, [, o, n]]) => o !== n);
  assert.equal(await table.locator('tbody tr').count(), changed.length);
  assert.equal(await table.getByText('不合格 → 合格').count(), 1);
  assert.equal(await table.getByText('合格 → 不合格').count(), 1);
  let rows = (await apis.admin1.get(`/reports/${EXAM}/results`)).rows;
  assert.equal(rows.find((r) => r.login === 'r4').score, 4, 'the dry run stores nothing');
  await env.shot(page, 'desktop-04-dry-run');
  await checkA11y(page, 'regrade dry run (#/admin/exams/{code}/regrade)');
  await page.getByRole('button', {name: '确认应用重新评分'}).click();
  await page.getByRole('table', {name: '已应用：成绩变化'}).waitFor();
  rows = (await apis.admin1.get(`/reports/${EXAM}/results`)).rows;
  for (const [login, [, , n]] of Object.entries(PLAN)) {
    const r = rows.find((x) => x.login === login);
    assert.equal(r.score, n, login);
    assert.equal(r.passed, n >= 6, login);
  }
  await env.shot(page, 'desktop-05-applied');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('the attempt detail page shows answers, keys and credit (phone)', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, bypassCSP: true});
  const page = await env.newPage(ctx);
  await env.login(page, 'admin1');
  await page.waitForURL(/#\/admin$/);
  const res = await apis.admin1.get(`/admin/exams/${EXAM}/attempts?login=r1`);
  await page.goto(`/#/admin/attempts/${res.attempts[0].attempt_id}`);
  await page.getByRole('heading', {name: /答卷详情：考生r1（r1）/}).waitFor();
  const table = page.getByRole('region', {name: '逐题作答与得分'});
  assert.equal(await table.locator('tbody tr').count(), 5);
  await env.shot(page, 'phone-01-attempt');
  await checkA11y(page, 'attempt detail (#/admin/attempts/{id}), phone');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('the examinee sees an extension on the next save (desktop)', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'p4');
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.waitForURL(/#\/exam\/\d+$/);
  await page.locator('.question-card').first().waitFor();
  const id = /#\/exam\/(\d+)$/.exec(page.url())[1];
  const before = await remainingSeconds(page);
  assert.equal(await page.locator('.credit-note').isVisible(), false);

  const r = await apis.admin1.raw('POST', `/admin/attempts/${id}/extend`, {data: {minutes: 20, reason: '网络故障补时'}});
  assert.equal(r.status(), 200);
  // The next save's reply carries the moved deadline: the page fetches the attempt at once.
  await answerCurrent(page, 1);
  await waitSaved(page);
  await page.locator('.credit-note', {hasText: '考试管理员已为您延长考试时间 20 分钟'}).waitFor({timeout: 5000});
  // (the countdown redraws on its next tick)
  await waitFor(async () => (await remainingSeconds(page)) > before + 20 * 60 - 30,
    {timeout: 5000, what: `the countdown to move by 20 minutes from ${before}s`});
  await env.shot(page, 'desktop-06-examinee-extended');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
