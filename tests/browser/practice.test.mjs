// practice.test.mjs — study (学法, SPEC §13) on a phone: the home page shows my practice
// progress and 错题 count; ten practice questions one per screen, each with immediate feedback
// (verdict, key, explanation, basis); the one answered wrong is in the 错题本; two right
// answers in a row in 错题练习 clear it; a mock exam (模拟考试) taken on the exam page is
// absent from the HR officer's report list while the real exam is there; the HR study report
// shows the API's figures with a bar chart. An exam requiring 11 practice answers shows the
// progress and 去练习 first, then 开始考试 once they are done. axe-core checks the practice
// question with its feedback, the 错题本 and the HR study report (a11y.test.mjs lists them).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Env, VIEWPORTS} from './harness.mjs';
import {answerCurrent} from './exam-helpers.mjs';
import {checkA11y} from './a11y.mjs';

const env = new Env('practice');

/* A bank whose keys the test knows: 8 single (key B) and 8 judge (key T / F alternating). */
const QUESTIONS = [];
for (let i = 1; i <= 8; i++) {
  QUESTIONS.push({id: `s${i}`, type: 'single', stem: `练习单选第${i}题：下列哪一项符合法律规定？`,
    options: [`选项甲${i}`, `选项乙${i}`, `选项丙${i}`], answer: 'B', explanation: `单选解析${i}`, basis: `《宪法》第${i}条`});
  QUESTIONS.push({id: `j${i}`, type: 'judge', stem: `练习判断第${i}题：本题所述符合法律规定。`,
    answer: i % 2 ? 'T' : 'F', explanation: `判断解析${i}`, basis: `《民法典》第${i}条`});
}
const KEY = Object.fromEntries(QUESTIONS.map((q) => [q.stem, q.answer]));

before(async () => {
  env.init();
  env.addUser('s001', {name: '练习者'});
  env.addUser('s002', {name: '同事', org: '珠晖区/区财政局'});
  env.addUser('hr1', {name: '人事科', org: '珠晖区/区委组织部', roles: 'hr'});
  const file = join(env.dir, 'prac.json');
  writeFileSync(file, JSON.stringify({format: 'lawexam-bank/1',
    bank: {code: 'prac', title: '练习题库', subject: 'constitution'}, questions: QUESTIONS}));
  env.importBank(file);
  const paper = [{categories: ['general'], sections: [{title: '判断', bank: 'prac', type: 'judge', count: 3, points: 1}]}];
  env.createExam({code: 'real-1', title: '正式考试（练习测试）', papers: paper});
  env.createExam({code: 'mock-1', title: '模拟考试（练习测试）', kind: 'mock', papers: paper});
  env.createExam({code: 'req-1', title: '考前须练习的考试', requires: {practice_answered: 11}, papers: paper});
  await env.start();
});

after(async () => {
  await env.stop();
});

/** Answers the practice question on screen: right or wrong on purpose; returns the feedback text. */
async function answerPractice(page, right) {
  const card = page.locator('.practice-card');
  await card.waitFor();
  const stem = (await card.locator('.q-stem').innerText()).trim();
  const type = await card.getAttribute('data-type');
  const key = KEY[stem];
  assert.ok(key, `known stem: ${stem}`);
  let pick;
  if (type === 'judge') pick = right ? key : key === 'T' ? 'F' : 'T';
  else pick = right ? key : 'A';
  await card.locator(`label.option[data-key="${pick}"]`).click();
  await card.getByRole('button', {name: '提交答案'}).click();
  const fb = card.locator('.feedback-box');
  await fb.waitFor();
  const text = await fb.innerText();
  assert.match(text, right ? /回答正确/ : /回答错误/);
  assert.match(text, /正确答案：/);
  assert.match(text, /解析：/);
  assert.match(text, /依据：《/);
  // the key is marked among the options
  assert.equal(await card.locator(`label.option.is-key[data-key="${key}"]`).count(), 1);
  return {stem, text};
}

test('practise 10 with feedback, clear a mistake, mock exam absent from HR reports (phone)', async () => {
  /* bypassCSP: axe-core is injected with an inline script for the accessibility checks */
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true, bypassCSP: true});
  const page = await env.newPage(ctx);
  await env.login(page, 's001');
  await page.waitForURL(/#\/exams$/);
  const sum = page.locator('#study-summary');
  await sum.waitFor();
  assert.equal((await sum.locator('[data-stat="answered"]').innerText()).trim(), '0 题');
  assert.equal((await sum.locator('[data-stat="mistakes"]').innerText()).trim(), '0 道');
  await page.locator('.exam-card[data-code="mock-1"]').getByText('模拟考试', {exact: true}).waitFor();
  const req = page.locator('.exam-card[data-code="req-1"]');
  assert.equal(await req.locator('.prereq').getAttribute('data-done'), '0');
  assert.match(await req.locator('.prereq').innerText(), /需完成 11 道练习题，已完成 0 道/);
  assert.equal(await req.getByRole('link', {name: '去练习'}).count(), 1);
  assert.equal(await req.getByRole('button', {name: '开始考试'}).count(), 0, 'no start before the practice');
  await env.shot(page, 'phone-01-home');

  // Ten questions in bank order, the first answered wrong.
  await sum.getByRole('link', {name: '开始练习'}).click();
  await page.waitForURL(/#\/practice$/);
  await page.getByLabel('题库').selectOption('prac');
  await page.getByLabel('练习方式').selectOption('sequential');
  await page.getByLabel('题量').fill('10');
  await env.shot(page, 'phone-02-practice-form');
  await page.getByRole('button', {name: '开始练习'}).click();
  await page.waitForURL(/#\/practice\/\d+$/);
  let wrongStem = null;
  for (let i = 0; i < 10; i++) {
    await page.locator('.practice-card .q-no', {hasText: `第 ${i + 1} 题`}).waitFor();
    const {stem} = await answerPractice(page, i !== 0);
    if (i === 0) {
      wrongStem = stem;
      await env.shot(page, 'phone-03-feedback-wrong');
      await checkA11y(page, 'practice question with feedback (#/practice/N)');
    }
    if (i === 1) await env.shot(page, 'phone-04-feedback-right');
    await page.getByRole('button', {name: i < 9 ? '下一题' : '查看结果'}).click();
  }
  await page.locator('#practice-done').waitFor();
  assert.match(await page.locator('.practice-score').innerText(), /答对\s*9\s*\/\s*10/);
  await env.shot(page, 'phone-05-done');

  // The wrong one is in the 错题本.
  await page.getByRole('link', {name: '查看错题本'}).click();
  await page.waitForURL(/#\/mistakes$/);
  await page.locator('#mistake-list').waitFor();
  assert.equal(await page.locator('.mistake-card').count(), 1);
  assert.equal((await page.locator('.mistake-stem').innerText()).trim(), wrongStem);
  assert.match(await page.locator('.mistake-card').innerText(), /答错 1 次/);
  await env.shot(page, 'phone-06-mistakes');
  await checkA11y(page, '错题本 (#/mistakes)');

  // Two right answers in a row in 错题练习 clear it.
  for (let round = 1; round <= 2; round++) {
    await page.goto('/#/mistakes');
    await page.locator('#mistake-list').waitFor();
    if (round === 2) assert.match(await page.locator('.mistake-card').innerText(), /已连续答对 1 次/);
    await page.getByRole('button', {name: /练习错题/}).click();
    await page.waitForURL(/#\/practice\/\d+$/);
    const {stem} = await answerPractice(page, true);
    assert.equal(stem, wrongStem);
  }
  await page.goto('/#/mistakes');
  await page.locator('#mistakes-empty').waitFor();
  await env.shot(page, 'phone-07-mistakes-empty');

  // The study page and the home card agree with the API.
  await page.goto('/#/study');
  await page.locator('#st-answered').waitFor();
  assert.equal((await page.locator('#st-answered').innerText()).trim(), '12');
  assert.equal((await page.locator('#st-correct').innerText()).trim(), '11');
  await env.shot(page, 'phone-08-study');

  // The prerequisite is met now: the card says so and offers 开始考试.
  await page.goto('/#/exams');
  await req.locator('.prereq[data-done="12"]').waitFor();
  assert.match(await req.locator('.prereq').innerText(), /考前练习已完成/);
  await req.getByRole('button', {name: '开始考试'}).waitFor();

  // A mock exam on the exam page: any number of attempts.
  for (let n = 1; n <= 2; n++) {
    await page.goto('/#/exams');
    const card = page.locator('.exam-card[data-code="mock-1"]');
    await card.getByRole('button', {name: '开始考试'}).click();
    await page.getByRole('button', {name: '开始答题'}).click();
    await page.locator('.question-card').waitFor();
    await answerCurrent(page, 1);
    await page.locator('.exam-bar').getByRole('button', {name: '交卷'}).click();
    await page.getByRole('dialog', {name: '确认交卷'}).getByRole('button', {name: '确认交卷'}).click();
    await page.getByRole('heading', {name: '已交卷'}).waitFor();
  }
  assert.deepEqual(page.problems, []);
  await ctx.close();

  // HR: the mock exam is in no report; the real one is; the study report equals the API.
  const hctx = await env.browserContext({viewport: VIEWPORTS.desktop, bypassCSP: true});
  const hp = await env.newPage(hctx);
  await env.login(hp, 'hr1');
  await hp.waitForURL(/#\/hr$/);
  await hp.locator('.exam-card', {hasText: '正式考试（练习测试）'}).waitFor();
  assert.equal(await hp.locator('.exam-card', {hasText: '模拟考试（练习测试）'}).count(), 0, 'no mock exam to report on');
  await hp.getByRole('link', {name: '查看学法统计'}).click();
  await hp.waitForURL(/#\/hr-study$/);
  await hp.locator('#study-table').waitFor();
  const hr = await env.apiAs('hr1');
  const json = await hr.get('/reports/study?by=org&depth=2');
  const cells = await hp.locator('#study-table').evaluate((t) => ({
    rows: Array.from(t.tBodies[0].rows).map((r) => r.cells[0].textContent.trim()),
    total: Array.from(t.tFoot.rows[0].cells).map((c) => c.textContent.trim()),
  }));
  assert.deepEqual(cells.rows, json.rows.map((r) => r.group));
  assert.equal(cells.total[1], String(json.total.staff));
  assert.equal(cells.total[4], String(json.total.answered));
  assert.equal(json.total.answered, 12);
  assert.equal(await hp.locator('svg.bar-chart rect.chart-bar').count(), json.rows.length * 2);
  await env.shot(hp, 'desktop-09-hr-study');
  await checkA11y(hp, 'HR study report (#/hr-study)');
  const r = await hr.raw('GET', '/reports/mock-1/pass-rates');
  assert.equal(r.status(), 404);
  await hr.dispose();
  assert.deepEqual(hp.problems, []);
  await hctx.close();
});
