// examinee.test.mjs — the examinee's whole day: first login with the forced password change,
// "my exams", starting the demo exam, answering every question type, a reload in the middle
// (same questions, same answers, same remaining time ±2 s), the submit dialog naming the
// unanswered count, the result and the review; then the same on a phone.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {Env, demoExam, VIEWPORTS, PASSWORD, waitFor} from './harness.mjs';
import {openQuestion, answerCurrent, readQuestion, remainingSeconds, waitSaved} from './exam-helpers.mjs';

const env = new Env('examinee');
let firstPassword;

before(async () => {
  env.init();
  // e2001 gets a random first password (no --password-stdin) and must change it.
  const r = env.admin(['user', 'add', 'e2001', '--name', '张晓明', '--org', '珠晖区/区司法局/普法股', '--category', 'general']);
  firstPassword = /initial password[^:]*:\s*(\S+)/.exec(r.stdout)[1];
  env.addUser('e2002', {name: '李红', org: '珠晖区/区财政局', category: 'leader'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  env.createExam(demoExam('demo'));
  // One law, three sections of different types under the same title (issue 15's answer card).
  env.addUser('e2003', {name: '赵敏', org: '珠晖区/区审计局'});
  env.createExam({code: 'same-title', title: '同名章节测试', org_scope: ['珠晖区/区审计局'], papers: [{
    categories: ['leader', 'enforcement', 'general'],
    sections: [
      {title: '宪法', bank: 'constitution', type: 'single', count: 2, points: 2},
      {title: '宪法', bank: 'constitution', type: 'multiple', count: 3, points: 4},
      {title: '宪法', bank: 'constitution', type: 'judge', count: 2, points: 1},
    ],
  }]});
  await env.start();
});

after(async () => {
  await env.stop();
});

test('first login, exam, reload mid-exam, submit, result, review (desktop)', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);

  // Forced password change at first login.
  await env.login(page, 'e2001', firstPassword);
  await page.waitForURL(/#\/password$/);
  await page.getByRole('heading', {name: /修改初始密码/}).waitFor();
  await env.shot(page, 'desktop-01-password-change');
  await page.getByLabel('初始密码', {exact: true}).fill(firstPassword);
  await page.getByLabel('新密码', {exact: true}).fill('short');
  await page.getByLabel('再次输入新密码').fill('short');
  await page.getByRole('button', {name: '确认修改'}).click();
  await page.getByRole('alert').filter({hasText: '8 至 128'}).waitFor();
  await page.getByLabel('新密码', {exact: true}).fill(PASSWORD);
  await page.getByLabel('再次输入新密码').fill(PASSWORD);
  await page.getByRole('button', {name: '确认修改'}).click();
  await page.getByRole('heading', {name: '密码已修改'}).waitFor();
  await page.getByRole('button', {name: '继续'}).click();

  // My exams.
  await page.waitForURL(/#\/exams$/);
  const card = page.locator('.exam-card', {hasText: '2026年度国家工作人员学法考法'});
  await card.getByText('可参加').waitFor();
  await env.shot(page, 'desktop-02-my-exams');
  await card.getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('dialog', {name: '开始考试'}).waitFor();
  await env.shot(page, 'desktop-03-start-dialog');
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.waitForURL(/#\/exam\/\d+$/);
  const attemptId = /#\/exam\/(\d+)$/.exec(page.url())[1];
  await page.locator('.question-card').waitFor();

  // Answer every question except the last one; every type is met on the way.
  const total = await page.locator('.nav-q').count();
  assert.equal(total, 10);
  const seenTypes = new Set();
  for (let pos = 1; pos < total; pos++) {
    await openQuestion(page, pos);
    seenTypes.add(await answerCurrent(page, pos));
  }
  assert.deepEqual([...seenTypes].sort(), ['judge', 'multiple', 'single']);
  await openQuestion(page, 2);
  await page.getByRole('button', {name: /标记/}).click(); // flag question 2
  await waitSaved(page);
  await env.shot(page, 'desktop-04-exam');

  // What the page shows, question by question, then a reload.
  const before = [];
  for (let pos = 1; pos <= total; pos++) before.push(await readQuestion(page, pos));
  const remainingBefore = await remainingSeconds(page);
  const t0 = Date.now();
  await page.reload();
  await page.locator('.question-card').waitFor();
  await page.waitForFunction(() => /\d\d:\d\d/.test(document.querySelector('.timer-value').textContent));
  const remainingAfter = await remainingSeconds(page);
  const elapsed = (Date.now() - t0) / 1000;
  assert.ok(Math.abs(remainingAfter - (remainingBefore - elapsed)) <= 2,
    `remaining time after reload ${remainingAfter}s, expected ${remainingBefore - elapsed}s ±2`);
  const after = [];
  for (let pos = 1; pos <= total; pos++) after.push(await readQuestion(page, pos));
  assert.deepEqual(after, before, 'same questions, options and answers after the reload');
  assert.equal(await page.locator('.nav-q.answered').count(), total - 1);
  assert.equal(await page.locator('.nav-q.flagged').count(), 1);

  // The server holds the same answers as the page.
  const api = await env.apiAs('e2001');
  const attempt = await api.get(`/attempts/${attemptId}`);
  for (const q of after) assert.equal(attempt.answers[String(q.position)] || '', q.response, `answer ${q.position}`);

  // Keyboard only: question 3 (single) from its stem, Tab to the chosen option, arrow to the next.
  await openQuestion(page, 3);
  await page.locator('.question-card[data-pos="3"] .q-stem').focus();
  await page.keyboard.press('Tab');
  const focused = page.locator('.question-card[data-pos="3"] .option-input:focus');
  assert.equal(await focused.getAttribute('value'), 'A', 'Tab lands on the checked option');
  const ring = await page.locator('.question-card[data-pos="3"] label.option').first().evaluate((l) => getComputedStyle(l).outlineStyle);
  assert.equal(ring, 'solid', 'visible focus ring around the focused option');
  await page.keyboard.press('ArrowDown');
  await waitSaved(page);
  await waitFor(async () => (await api.get(`/attempts/${attemptId}`)).answers['3'] === 'B', {what: 'keyboard answer saved'});

  // Submit: the dialog names the one unanswered question.
  await page.locator('.exam-bar').getByRole('button', {name: '交卷'}).click();
  const dlg = page.getByRole('dialog', {name: '确认交卷'});
  await dlg.waitFor();
  assert.match(await dlg.locator('.submit-missing').innerText(), /还有\s*1\s*道题未作答/);
  await env.shot(page, 'desktop-05-submit-dialog');
  await dlg.getByRole('button', {name: '确认交卷'}).click();

  // Result.
  await page.waitForURL(new RegExp(`#/result/${attemptId}$`));
  await page.getByRole('heading', {name: '已交卷'}).waitFor();
  const done = await api.get(`/attempts/${attemptId}`);
  assert.equal(done.status, 'submitted');
  assert.ok(done.result, 'results: immediate');
  const shown = await page.locator('.score-value').innerText();
  assert.equal(Number(shown), done.result.score);
  await page.getByText(done.result.passed ? '合格' : '不合格', {exact: true}).waitFor();
  // 回执: the code the server issued, with a print button (hidden when printed)
  assert.match(done.receipt, /^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
  assert.equal(await page.locator('.receipt-code').innerText(), done.receipt);
  await page.getByRole('button', {name: '打印回执'}).waitFor();
  await page.emulateMedia({media: 'print'});
  assert.equal(await page.getByRole('button', {name: '打印回执'}).isVisible(), false, 'no button on paper');
  assert.equal(await page.locator('.receipt-code').isVisible(), true, 'the code is printed');
  await page.emulateMedia({media: 'screen'});
  await env.shot(page, 'desktop-06-result');

  // Review (review: immediate).
  assert.equal(done.review_available, true);
  await page.getByRole('link', {name: '查看答题解析'}).click();
  await page.waitForURL(new RegExp(`#/review/${attemptId}$`));
  await page.locator('.review-item').first().waitFor();
  assert.equal(await page.locator('.review-item').count(), total);
  await env.shot(page, 'desktop-07-review', {fullPage: false});

  // Back on "my exams" the exam shows as submitted with its result.
  await page.goto('/#/exams');
  await page.locator('.exam-card').getByText('已交卷').waitFor();
  await page.locator('.exam-card').getByRole('link', {name: '查看结果'}).waitFor();

  assert.deepEqual(page.problems, []);
  await api.dispose();
  await ctx.close();
});

test('the same exam on a phone (390×844)', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true});
  const page = await env.newPage(ctx);
  await env.login(page, 'e2002');
  await page.waitForURL(/#\/exams$/);
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).waitFor();
  await env.shot(page, 'phone-01-my-exams');
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.locator('.question-card').waitFor();
  // No horizontal scrolling at phone width.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  await answerCurrent(page, 1);
  await openQuestion(page, 5);
  await answerCurrent(page, 5);
  await waitSaved(page);
  await env.shot(page, 'phone-02-exam');
  await page.locator('.exam-bar').getByRole('button', {name: '交卷'}).click();
  const dlg = page.getByRole('dialog', {name: '确认交卷'});
  assert.match(await dlg.locator('.submit-missing').innerText(), /还有\s*8\s*道题未作答/);
  await env.shot(page, 'phone-03-submit-dialog');
  await dlg.getByRole('button', {name: '确认交卷'}).click();
  await page.getByRole('heading', {name: '已交卷'}).waitFor();
  await env.shot(page, 'phone-04-result');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('the answer card keeps sections of one title apart by type', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'e2003');
  await page.waitForURL(/#\/exams$/);
  const card = page.locator('.exam-card', {hasText: '同名章节测试'});
  // The card says what the paper is before the clock runs: 7 questions, 4 + 12 + 2 = 18 points,
  // 60 % of 18 = 10.8, so 11 points pass (scores go in halves).
  await card.getByRole('button', {name: '开始考试'}).waitFor(); // the list is drawn (allTextContents does not wait)
  const facts = await card.locator('.meta-list > div').allTextContents();
  for (const want of ['题量7 题', '满分18 分', '合格线11 分（60%）', '作答次数已用 0 次，共 1 次']) {
    assert.ok(facts.includes(want), `${want} in ${JSON.stringify(facts)}`);
  }
  await card.getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.waitForURL(/#\/exam\/\d+$/);
  await page.locator('.question-card').waitFor();
  const titles = await page.locator('.nav-section-title').allTextContents();
  assert.deepEqual(titles, ['一、宪法（单选题，共 2 题）', '二、宪法（多选题，共 3 题）', '三、宪法（判断题，共 2 题）']);
  await env.shot(page, 'desktop-answer-card-same-title');
  // 退出 during the exam asks first; 继续考试 keeps the page and the session.
  await page.getByRole('button', {name: '退出'}).click();
  const ask = page.getByRole('dialog', {name: '退出登录？'});
  await ask.waitFor();
  await env.shot(page, 'desktop-logout-during-exam');
  await ask.getByRole('button', {name: '继续考试'}).click();
  await ask.waitFor({state: 'detached'});
  assert.match(page.url(), /#\/exam\/\d+$/);
  await page.locator('.question-card').waitFor();
  await page.getByRole('button', {name: '退出'}).click();
  await page.getByRole('dialog', {name: '退出登录？'}).getByRole('button', {name: '仍要退出'}).click();
  await page.waitForURL(/#\/login$/);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
