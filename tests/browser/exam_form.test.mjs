// exam_form.test.mjs — the exam-creation form of the admin pages (SPEC §12): an administrator
// fills it for two staff categories with sections from two banks, watches each section's live
// count follow the type, the tags and the count asked (red when more is asked than the bank
// holds), previews who is assigned per unit and category (checked against the roster made
// here), creates the exam, and an examinee of each category then starts it and gets the paper
// of their category, section by section; the definition the form built (offered as a file) is
// checked field by field. Bad input (no code, closing before opening, a count of 0) is named in
// Chinese and creates nothing. On a phone: a mock exam with a practice prerequisite, which the
// server then enforces. axe at 1366×768 and 390×844.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Env, VIEWPORTS} from './harness.mjs';
import {checkA11y} from './a11y.mjs';

const env = new Env('exam_form');
let api;

const A = '珠晖区/区司法局';
const A2 = A + '/普法股';
const B = '珠晖区/区教育局';
// login, unit, category: 3 leaders and 4 general staff in 珠晖区; one enforcement officer,
// whose category gets no paper
const STAFF = [
  ['fl1', A, 'leader'], ['fl2', A, 'leader'], ['fl3', B, 'leader'],
  ['fg1', A, 'general'], ['fg2', A2, 'general'], ['fg3', A2, 'general'], ['fg4', B, 'general'],
  ['fe1', B, 'enforcement'],
];

/** A lawexam-bank/1 bank: groups of [type, id prefix, count, tags]. */
function bank(code, title, groups) {
  const questions = [];
  for (const [type, prefix, n, tags] of groups) {
    for (let i = 1; i <= n; i++) {
      const q = {id: `${prefix}${String(i).padStart(2, '0')}`, type, stem: `〈${code}〉${prefix}第${i}题：下列说法正确的是？`,
        explanation: '解析', basis: `《测试法》第${i}条`};
      if (type === 'judge') q.answer = i % 2 ? 'T' : 'F';
      else {
        q.options = ['甲', '乙', '丙', '丁'].map((k) => `${code}-${prefix}${i} 选项${k}`);
        q.answer = type === 'single' ? 'B' : 'AD';
      }
      if (tags) q.tags = tags;
      questions.push(q);
    }
  }
  return {format: 'lawexam-bank/1', bank: {code, title, subject: 'test'}, questions};
}

// fa-con: 8 singles (5 tagged 总纲, 3 tagged 公民), 6 judges; fa-civ: 6 multiples, 5 singles
const BANKS = [
  bank('fa-con', '宪法题库', [['single', 'Z', 5, ['总纲']], ['single', 'G', 3, ['公民']], ['judge', 'J', 6, null]]),
  bank('fa-civ', '民法典题库', [['multiple', 'M', 6, ['物权']], ['single', 'S', 5, null]]),
];

/** ms → the value of a datetime-local input in Beijing time (what the form reads). */
function bj(ms) {
  const d = new Date(ms + 8 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

before(async () => {
  env.init();
  env.addUser('fadmin', {name: '表单管理员', org: '珠晖区', roles: 'admin'});
  env.addUser('fscoped', {name: '分管管理员', org: A, roles: 'admin'});
  env.admin(['user', 'scope', 'fscoped', A]);
  for (const [login, org, category] of STAFF) env.addUser(login, {name: '考生' + login, org, category});
  for (const b of BANKS) {
    const file = join(env.dir, b.bank.code + '.json');
    writeFileSync(file, JSON.stringify(b));
    env.importBank(file);
  }
  await env.start();
  api = await env.apiAs('fadmin');
});

after(async () => {
  if (api) await api.dispose();
  await env.stop();
});

async function examCodes() {
  return (await api.get('/admin/exams')).exams.map((x) => x.code);
}

const paper = (page, i) => page.locator('.ef-paper').nth(i);
const section = (page, i, k) => paper(page, i).locator('.ef-section').nth(k);

/** Waits until the section's live count says n (and is red or not). */
async function expectAvail(sec, n, short) {
  const avail = sec.locator('.ef-avail');
  await avail.filter({hasText: `符合条件的有效题目 ${n} 道`}).waitFor();
  assert.equal(await avail.evaluate((el) => el.classList.contains('ef-short')), short,
    `count ${n}: ${short ? 'red' : 'not red'}: ${await avail.innerText()}`);
  assert.equal(await sec.getByLabel('抽题数').getAttribute('aria-invalid'), short ? 'true' : null);
}

async function fillSection(sec, {bank: code, type, title, count, points, tags}) {
  await sec.getByLabel('题库', {exact: true}).selectOption(code);
  await sec.getByLabel('题型').selectOption(type);
  if (tags) await sec.getByLabel('标签').fill(tags);
  await sec.getByLabel('部分标题').fill(title);
  await sec.getByLabel('抽题数').fill(String(count));
  await sec.getByLabel('每题分值').fill(String(points));
}

async function fillBasics(page, {code, title, opens, closes, duration = 30}) {
  await page.getByLabel('考试编号').fill(code);
  await page.getByLabel('考试名称').fill(title);
  await page.getByLabel('开放时间').fill(bj(opens));
  await page.getByLabel('截止时间').fill(bj(closes));
  await page.getByLabel('答题时长（分钟）').fill(String(duration));
}

/** The page's table of assigned people: {unit: {category code: n, total: n}}. */
async function assignedTable(page) {
  const table = page.locator('.ef-preview table', {hasText: '各单位、各类别参考人数'});
  return table.evaluate((t) => {
    const out = {};
    for (const tr of t.querySelectorAll('tbody tr')) {
      const row = {};
      for (const td of tr.querySelectorAll('td')) row[td.dataset.col.replace(/^c_/, '')] = Number(td.textContent);
      out[tr.querySelector('th').textContent] = row;
    }
    const foot = {};
    for (const td of t.querySelectorAll('tfoot td')) foot[td.dataset.col.replace(/^c_/, '')] = Number(td.textContent);
    out['合计'] = foot;
    return out;
  });
}

/** What the roster above assigns when leader and general have papers. */
function expectedAssigned() {
  const out = {};
  const foot = {leader: 0, general: 0, total: 0};
  for (const [, org, cat] of STAFF) {
    if (cat === 'enforcement') continue;
    out[org] = out[org] || {leader: 0, general: 0, total: 0};
    out[org][cat]++;
    out[org].total++;
    foot[cat]++;
    foot.total++;
  }
  out['合计'] = foot;
  return out;
}

test('an administrator builds an exam for two categories from two banks, previews and creates it', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop, bypassCSP: true});
  const page = await env.newPage(ctx);
  await env.login(page, 'fadmin');
  await page.waitForURL(/#\/admin$/);
  await page.goto('/#/admin/exams');
  await page.getByLabel('考试编号').waitFor();
  await checkA11y(page, 'exam form, empty (desktop)');

  const now = Date.now();
  await fillBasics(page, {code: 'form-2026', title: '2026年度学法考法（表单创建）', opens: now - 3600000, closes: now + 86400000});

  // paper 1: leaders; its first section follows the bank, the type, the tags and the count
  await paper(page, 0).getByLabel(/^领导干部/).check();
  const s1 = section(page, 0, 0);
  await s1.getByLabel('题库', {exact: true}).selectOption('fa-con');
  assert.equal(await s1.getByLabel('部分标题').inputValue(), '宪法题库', 'the title follows the bank until typed');
  await s1.getByLabel('抽题数').fill('3');
  await expectAvail(s1, 8, false);
  await s1.getByLabel('题型').selectOption('judge');
  await expectAvail(s1, 6, false);
  await s1.getByLabel('题型').selectOption('single');
  await expectAvail(s1, 8, false);
  await s1.getByLabel('标签').fill('总纲');
  await expectAvail(s1, 5, false);
  await s1.getByLabel('抽题数').fill('6');
  await expectAvail(s1, 5, true);
  assert.match(await s1.locator('.ef-avail').innerText(), /题量不足：需要 6 道/);
  assert.equal(await s1.evaluate((el) => el.classList.contains('is-short')), true);
  await env.shot(page, 'desktop-01-count-short');
  const red = await s1.locator('.ef-avail').evaluate((el) => getComputedStyle(el).color);
  assert.equal(red, 'rgb(179, 38, 30)', 'the short count is drawn in the red of --red-700');
  await s1.getByLabel('抽题数').fill('3');
  await expectAvail(s1, 5, false);
  await s1.getByLabel('部分标题').fill('宪法总纲');
  await s1.getByLabel('每题分值').fill('2');

  // a second section, added from the keyboard: focus lands in its title
  await paper(page, 0).getByRole('button', {name: '添加一部分'}).focus();
  await page.keyboard.press('Enter');
  const s2 = section(page, 0, 1);
  await s2.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.closest('.ef-section') !== null &&
    document.activeElement.getAttribute('id').endsWith('-title')), true, 'focus in the new section\'s title');
  await fillSection(s2, {bank: 'fa-civ', type: 'multiple', title: '民法典物权', count: 2, points: 4});
  await expectAvail(s2, 6, false);
  await paper(page, 0).locator('.ef-paper-total', {hasText: '本卷共 5 题，满分 14 分'}).waitFor();

  // paper 2: general staff; leaders are taken by paper 1
  await page.getByRole('button', {name: '添加一套试卷'}).click();
  assert.equal(await paper(page, 1).getByLabel(/^领导干部/).isDisabled(), true, 'a category sits in one paper only');
  await paper(page, 1).getByLabel(/^一般工作人员/).check();
  await fillSection(section(page, 1, 0), {bank: 'fa-con', type: 'judge', title: '判断', count: 4, points: 1});
  await expectAvail(section(page, 1, 0), 6, false);
  await paper(page, 1).getByRole('button', {name: '添加一部分'}).click();
  await fillSection(section(page, 1, 1), {bank: 'fa-civ', type: 'single', title: '民法单选', count: 3, points: 2});
  await expectAvail(section(page, 1, 1), 5, false);
  await env.shot(page, 'desktop-02-filled');
  await checkA11y(page, 'exam form, filled (desktop)');

  // preview: nothing created yet; who is assigned, per unit and category
  await page.getByRole('button', {name: '预览（不创建）'}).click();
  await page.locator('.ef-out .preview.ok').waitFor();
  assert.ok(!(await examCodes()).includes('form-2026'), 'the preview creates nothing');
  assert.equal(await page.locator('#ef-assigned-total').innerText(), '7');
  assert.deepEqual(await assignedTable(page), expectedAssigned());
  await page.locator('.ef-by-category li[data-category="enforcement"]', {hasText: '行政执法人员：1 人未安排试卷'}).waitFor();
  const secRows = await page.locator('.ef-preview table').first().locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('[data-col="title"]').textContent, Number(tr.querySelector('[data-col="count"]').textContent),
      Number(tr.querySelector('[data-col="available"]').textContent)]));
  assert.deepEqual(secRows, [['宪法总纲', 3, 5], ['民法典物权', 2, 6], ['判断', 4, 6], ['民法单选', 3, 5]]);
  await env.shot(page, 'desktop-03-preview');
  await checkA11y(page, 'exam form, preview (desktop)');

  // the definition the form built, as the file it offers
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#ef-download').click()]);
  assert.equal(dl.suggestedFilename(), 'form-2026.json');
  const def = JSON.parse(readFileSync(await dl.path(), 'utf8'));
  assert.equal(def.format, 'lawexam-exam/1');
  assert.match(def.opens_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\+08:00$/);
  assert.equal(Date.parse(def.opens_at), Math.floor((now - 3600000) / 60000) * 60000, 'opens at the minute typed, Beijing time');
  assert.deepEqual({code: def.code, duration: def.duration_minutes, attempts: def.max_attempts, pass: def.pass_percent,
    kind: def.kind, scope: def.org_scope, requires: def.requires},
  {code: 'form-2026', duration: 30, attempts: 1, pass: 60, kind: undefined, scope: undefined, requires: undefined});
  assert.deepEqual(def.papers, [
    {categories: ['leader'], sections: [
      {title: '宪法总纲', bank: 'fa-con', type: 'single', count: 3, points: 2, tags: ['总纲']},
      {title: '民法典物权', bank: 'fa-civ', type: 'multiple', count: 2, points: 4}]},
    {categories: ['general'], sections: [
      {title: '判断', bank: 'fa-con', type: 'judge', count: 4, points: 1},
      {title: '民法单选', bank: 'fa-civ', type: 'single', count: 3, points: 2}]},
  ]);

  // create
  await page.getByRole('button', {name: '确认创建', exact: true}).click();
  await page.getByText('考试“form-2026”已创建').waitFor();
  assert.ok((await examCodes()).includes('form-2026'));
  await page.locator('.data-table').getByRole('link', {name: 'form-2026'}).waitFor();
  const mon = await api.get('/admin/exams/form-2026/monitor');
  assert.equal(mon.assigned, 7, 'the server assigns whom the preview showed');
  await env.shot(page, 'desktop-04-created');
  assert.deepEqual(page.problems, []);
  await ctx.close();

  // a leader starts it in the browser and gets the leaders' paper
  const ctx2 = await env.browserContext({viewport: VIEWPORTS.desktop});
  const p2 = await env.newPage(ctx2);
  await env.login(p2, 'fl2');
  const card = p2.locator('.exam-card', {hasText: '2026年度学法考法（表单创建）'});
  await card.getByRole('button', {name: '开始考试'}).click();
  await p2.getByRole('button', {name: '开始答题'}).click();
  await p2.locator('.question-card').waitFor();
  const leaderPaper = await p2.evaluate(async () => {
    const ex = (await (await fetch('/api/v1/exams')).json()).exams.find((x) => x.code === 'form-2026');
    const at = await (await fetch('/api/v1/attempts/' + ex.attempt_id)).json();
    const by = {};
    for (const q of at.questions) by[q.section + '/' + q.type] = (by[q.section + '/' + q.type] || 0) + 1;
    return by;
  });
  assert.deepEqual(leaderPaper, {'宪法总纲/single': 3, '民法典物权/multiple': 2});
  const navTitles = await p2.locator('.nav-section-title').allInnerTexts();
  assert.ok(navTitles.some((t) => t.includes('宪法总纲')) && navTitles.some((t) => t.includes('民法典物权')), navTitles.join(' | '));
  assert.deepEqual(p2.problems, []);
  await ctx2.close();

  // a general staff member starts it through the API and gets the other paper
  const g = await env.apiAs('fg3');
  const r = await g.raw('POST', '/exams/form-2026/attempts');
  assert.equal(r.status(), 201);
  const by = {};
  for (const q of (await r.json()).questions) by[q.section + '/' + q.type] = (by[q.section + '/' + q.type] || 0) + 1;
  assert.deepEqual(by, {'判断/judge': 4, '民法单选/single': 3});
  // the enforcement officer has no paper: not assigned
  const e = await env.apiAs('fe1');
  assert.equal((await e.raw('POST', '/exams/form-2026/attempts')).status(), 403);
  await g.dispose();
  await e.dispose();
});

test('bad input is named in Chinese and creates nothing', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop, bypassCSP: true});
  const page = await env.newPage(ctx);
  const posts = [];
  page.on('request', (rq) => {
    if (rq.method() === 'POST' && new URL(rq.url()).pathname === '/api/v1/admin/exams') posts.push(rq.url());
  });
  await env.login(page, 'fadmin');
  await page.waitForURL(/#\/admin$/);
  await page.goto('/#/admin/exams');
  await page.getByLabel('考试编号').waitFor();
  const before = await examCodes();
  const now = Date.now();
  // no code, closing an hour before opening, a section of 0 questions
  await fillBasics(page, {code: '', title: '有错误的考试', opens: now + 3600000, closes: now});
  await paper(page, 0).getByLabel(/^领导干部/).check();
  await fillSection(section(page, 0, 0), {bank: 'fa-con', type: 'judge', title: '判断', count: 0, points: 1});
  await page.getByRole('button', {name: '预览（不创建）'}).click();
  const summary = page.locator('#ef-summary');
  await summary.getByText('表单有 3 处需要修改，考试未创建').waitFor();
  const items = await summary.locator('li').allInnerTexts();
  assert.deepEqual(items, ['请填写考试编号', '截止时间必须晚于开放时间', '试卷 1 第 1 部分：抽题数应为 1 至 1000 之间的整数']);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ef-summary', 'focus moves to the list of problems');
  // each field says what is wrong, next to it, and is marked invalid
  for (const [label, msg] of [['考试编号', '请填写考试编号'], ['截止时间', '截止时间必须晚于开放时间']]) {
    const input = page.getByLabel(label);
    assert.equal(await input.getAttribute('aria-invalid'), 'true', label);
    await page.locator('.field', {has: input}).locator('.field-error', {hasText: msg}).waitFor();
  }
  const count = section(page, 0, 0).getByLabel('抽题数');
  assert.equal(await count.getAttribute('aria-invalid'), 'true');
  await env.shot(page, 'desktop-05-bad-input');
  await checkA11y(page, 'exam form, bad input (desktop)');
  // a problem in the list takes the keyboard to its field
  await summary.getByRole('button', {name: '截止时间必须晚于开放时间'}).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ef-closes');
  // fixed one by one: each is still refused until all are fixed, and nothing is ever sent
  await page.getByLabel('考试编号').fill('bad-form');
  await page.getByRole('button', {name: '预览（不创建）'}).click();
  await summary.getByText('表单有 2 处需要修改').waitFor();
  await page.getByLabel('截止时间').fill(bj(now + 7200000));
  await page.getByRole('button', {name: '预览（不创建）'}).click();
  await summary.getByText('表单有 1 处需要修改').waitFor();
  assert.deepEqual(posts, [], 'nothing was sent to the server');
  assert.deepEqual(await examCodes(), before, 'nothing created');
  // too many asked: refused in the form too
  await count.fill('99');
  await page.getByRole('button', {name: '预览（不创建）'}).click();
  await summary.getByText('题库中符合条件的有效题目只有 6 道，少于抽题数 99').waitFor();
  assert.deepEqual(posts, []);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('the form on a phone', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true, bypassCSP: true});
  const page = await env.newPage(ctx);
  await env.login(page, 'fadmin');
  await page.waitForURL(/#\/admin$/);
  await page.goto('/#/admin/exams');
  await page.getByLabel('考试编号').waitFor();
  await checkA11y(page, 'exam form, empty (phone)');
  const now = Date.now();
  await fillBasics(page, {code: 'form-phone', title: '手机上创建的考试', opens: now - 600000, closes: now + 86400000});
  // a mock exam (模拟考试) that asks for 5 practice answers first
  await page.getByLabel('模拟考试').check();
  assert.equal(await page.getByLabel('解析开放').isDisabled(), true, 'a mock exam shows its keys at once');
  assert.equal(await page.getByLabel('可考次数').isDisabled(), true, 'a mock exam has no attempt limit');
  await page.getByLabel('参考前须完成的练习题数').fill('5');
  await paper(page, 0).getByLabel(/^一般工作人员/).check();
  await fillSection(section(page, 0, 0), {bank: 'fa-con', type: 'single', title: '宪法', count: 9, points: 2});
  await expectAvail(section(page, 0, 0), 8, true);
  await env.shot(page, 'phone-01-count-short');
  await section(page, 0, 0).getByLabel('抽题数').fill('4');
  await expectAvail(section(page, 0, 0), 8, false);
  await page.getByRole('button', {name: '预览（不创建）'}).click();
  await page.locator('.ef-out .preview.ok').waitFor();
  assert.equal(await page.locator('#ef-assigned-total').innerText(), '4');
  await checkA11y(page, 'exam form, preview (phone)');
  await env.shot(page, 'phone-02-preview');
  const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(over <= 0, `page is ${over}px wider than the phone`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#ef-download').click()]);
  const def = JSON.parse(readFileSync(await dl.path(), 'utf8'));
  assert.deepEqual([def.kind, def.review, def.results, def.max_attempts, def.requires],
    ['mock', 'immediate', 'immediate', undefined, {practice_answered: 5}]);
  await page.getByRole('button', {name: '确认创建', exact: true}).click();
  await page.getByText('考试“form-phone”已创建').waitFor();
  assert.ok((await examCodes()).includes('form-phone'));
  // the prerequisite holds: no practice yet, no start
  const g = await env.apiAs('fg4');
  const r = await g.raw('POST', '/exams/form-phone/attempts');
  assert.equal(r.status(), 403);
  assert.equal((await r.json()).error.code, 'prerequisite_not_met');
  await g.dispose();
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('an administrator with a scope is told why there is no form', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx); // no 403 out_of_scope: the form asks nothing
  await env.login(page, 'fscoped');
  await page.waitForURL(/#\/admin$/);
  await page.goto('/#/admin/exams');
  await page.locator('.exam-form-card .alert-info', {hasText: '您的管理范围为“' + A + '”'}).waitFor();
  assert.equal(await page.locator('#ef-code').count(), 0);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
