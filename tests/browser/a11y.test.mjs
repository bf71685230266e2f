// a11y.test.mjs — every page of the app through axe-core (WCAG 2.1 A/AA rules; zero violations
// of impact serious or critical), at desktop and phone sizes, in the states a person meets:
// login, the forced and the voluntary password change, my exams (with and without exams, the
// start dialog), the exam page mid-exam (answered, flagged, the submit and logout dialogs),
// the result with its receipt, the review and the review-not-open page, every admin tab (with
// an upload's error list and the pasted-text mode), the exam detail with its live monitor, the
// HR picker and report (by unit and by category), and the not-found and no-access pages.
// The last test reads the route table of web/js/app.js and fails when a route was not visited,
// so a new page cannot be added without being checked here.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Env, demoExam, VIEWPORTS, SOURCE_DIR, waitFor} from './harness.mjs';
import {checkA11y} from './a11y.mjs';
import {openQuestion, answerCurrent, waitSaved} from './exam-helpers.mjs';

const env = new Env('a11y');
const visited = new Set(); // the paths of the hashes checked
let firstPassword;
let badBank;

before(async () => {
  env.init();
  const r = env.admin(['user', 'add', 'a0001', '--name', '周新', '--org', '珠晖区/区司法局/普法股', '--category', 'general']);
  firstPassword = /initial password[^:]*:\s*(\S+)/.exec(r.stdout)[1];
  env.addUser('a0002', {name: '陈静', org: '珠晖区/区司法局/普法股'});
  env.addUser('a0003', {name: '林峰', org: '珠晖区/区财政局', category: 'leader'});
  env.addUser('a0004', {name: '黄河', org: '珠晖区/区审计局'}); // no exam in their unit
  env.addUser('a0005', {name: '欧阳明月', org: '珠晖区/区司法局/普法股'});
  env.addUser('a0006', {name: '司马光', org: '珠晖区/区司法局/普法股'});
  env.addUser('admin1', {name: '王管理', org: '珠晖区/区司法局', roles: 'admin'});
  env.addUser('hr1', {name: '人事科', org: '珠晖区/区委组织部', roles: 'hr'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  env.createExam(demoExam('demo', {org_scope: ['珠晖区/区司法局', '珠晖区/区财政局']}));
  env.createExam(demoExam('no-review', {title: '解析不开放的考试', review: 'never', results: 'after_close',
    org_scope: ['珠晖区/区财政局']}));
  badBank = join(env.dir, 'bad-bank.csv');
  writeFileSync(badBank, '\ufeff编号,题型,题干,选项A,选项B,答案\r\nX-1,单选,题干一,甲,乙,C\r\nX-2,判断,题干二,,,也许\r\n');
  await env.start();
});

after(async () => {
  await env.stop();
});

/** Checks the page at its current hash (after `ready` is visible) under the name `name`. */
async function check(page, name, ready) {
  if (ready) await ready.waitFor();
  await page.waitForTimeout(150); // focus moves and transitions settle
  const path = new URL(page.url()).hash.replace(/^#/, '').split('?')[0];
  visited.add(path);
  await checkA11y(page, `${name} (#${path})`);
}

async function context(viewport) {
  const isPhone = viewport === VIEWPORTS.phone;
  return env.browserContext({viewport, bypassCSP: true, ...(isPhone ? {isMobile: true, hasTouch: true} : {})});
}

for (const [vpName, viewport] of Object.entries(VIEWPORTS)) {
  test(`examinee pages pass axe (${vpName})`, async () => {
    const ctx = await context(viewport);
    const page = await env.newPage(ctx, {allowHttp: ['403 GET /api/v1/attempts/']}); // review not open
    await page.goto('/#/login');
    await check(page, 'login', page.getByRole('button', {name: '登录'}));
    // an error message on the login page
    page.allowHttp('401 POST /api/v1/login');
    await page.getByLabel('工号').fill('a0002');
    await page.getByLabel('密码', {exact: true}).fill('wrong-password-1');
    await page.getByRole('button', {name: '登录'}).click();
    await check(page, 'login, wrong password', page.getByRole('alert'));

    if (vpName === 'desktop') {
      // forced password change (first login), with an error shown
      await env.login(page, 'a0001', firstPassword);
      await page.waitForURL(/#\/password$/);
      await check(page, 'forced password change', page.getByRole('heading', {name: /修改初始密码/}));
      await page.getByRole('button', {name: '确认修改'}).click();
      await check(page, 'forced password change, error', page.getByRole('alert'));
      await page.getByRole('button', {name: '退出'}).click();
      await page.waitForURL(/#\/login$/);
    }

    await env.login(page, vpName === 'desktop' ? 'a0002' : 'a0003');
    await page.waitForURL(/#\/exams$/);
    const card = page.locator('.exam-card', {hasText: '学法考法'});
    await check(page, 'my exams', card.getByRole('button', {name: '开始考试'}));
    await card.getByRole('button', {name: '开始考试'}).click();
    await check(page, 'start dialog', page.getByRole('dialog', {name: '开始考试'}));
    await page.getByRole('button', {name: '开始答题'}).click();
    await page.waitForURL(/#\/exam\/\d+$/);
    const attemptId = /#\/exam\/(\d+)$/.exec(page.url())[1];
    await page.locator('.question-card').waitFor();
    await check(page, 'exam, first question', page.locator('.question-card[data-pos="1"]'));
    for (const pos of [1, 5, 8]) {
      await openQuestion(page, pos);
      await answerCurrent(page, pos);
    }
    await page.getByRole('button', {name: /标记/}).click();
    await waitSaved(page);
    await check(page, 'exam, judge question answered and flagged', page.locator('.nav-q.flagged'));
    await env.shot(page, `${vpName}-exam-mid`, {fullPage: false});
    await openQuestion(page, 5);
    await check(page, 'exam, multiple choice answered', page.locator('.question-card[data-pos="5"]'));
    await page.getByRole('button', {name: '退出'}).click();
    await check(page, 'exam, logout dialog', page.getByRole('dialog', {name: '退出登录？'}));
    await page.getByRole('button', {name: '继续考试'}).click();
    await page.locator('.exam-bar').getByRole('button', {name: '交卷'}).click();
    const dlg = page.getByRole('dialog', {name: '确认交卷'});
    await check(page, 'exam, submit dialog', dlg);
    await dlg.getByRole('button', {name: '确认交卷'}).click();
    await page.waitForURL(new RegExp(`#/result/${attemptId}$`));
    await check(page, 'result with receipt', page.locator('.receipt-code'));
    await page.getByRole('link', {name: '查看答题解析'}).click();
    await page.waitForURL(new RegExp(`#/review/${attemptId}$`));
    await check(page, 'review', page.locator('.review-item').first());

    if (vpName === 'desktop') {
      // voluntary password change, a page that does not exist, one the user may not open
      await page.goto('/#/password');
      await check(page, 'password change', page.getByRole('heading', {name: '修改密码'}));
      await page.goto('/#/no-such-page');
      await check(page, 'not found', page.getByRole('heading', {name: '页面不存在'}));
      await page.goto('/#/admin');
      await check(page, 'no access', page.getByRole('heading', {name: '无权访问'}));
    } else {
      // the second exam: results after the close, no review
      await page.goto('/#/exams');
      const other = page.locator('.exam-card', {hasText: '解析不开放'});
      await other.getByRole('button', {name: '开始考试'}).click();
      await page.getByRole('button', {name: '开始答题'}).click();
      await page.waitForURL(/#\/exam\/\d+$/);
      const id2 = /#\/exam\/(\d+)$/.exec(page.url())[1];
      await page.locator('.exam-bar').getByRole('button', {name: '交卷'}).click();
      await page.getByRole('dialog', {name: '确认交卷'}).getByRole('button', {name: '确认交卷'}).click();
      await page.waitForURL(new RegExp(`#/result/${id2}$`));
      await check(page, 'result, score not yet published', page.getByRole('heading', {name: '已交卷'}));
      await page.goto(`/#/review/${id2}`);
      await check(page, 'review not open', page.getByRole('heading', {name: '答题解析暂未开放'}));
      await page.goto('/#/exams');
      await check(page, 'my exams, after both', page.locator('.exam-card').getByRole('link', {name: '查看结果'}).first());
    }
    assert.deepEqual(page.problems, []);
    await ctx.close();
  });
}

test('an examinee with no exam passes axe', async () => {
  const ctx = await context(VIEWPORTS.desktop);
  const page = await env.newPage(ctx);
  await env.login(page, 'a0004');
  await page.waitForURL(/#\/exams$/);
  await check(page, 'my exams, empty', page.getByText('目前没有分配给您的考试'));
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

for (const [vpName, viewport] of Object.entries(VIEWPORTS)) {
  test(`admin and HR pages pass axe (${vpName})`, async () => {
    const ctx = await context(viewport);
    const page = await env.newPage(ctx, {allowHttp: ['422 POST /api/v1/admin/banks']}); // the bad bank, on purpose
    await env.login(page, 'admin1');
    await page.waitForURL(/#\/admin$/);
    await check(page, 'admin overview', page.locator('.tile-grid'));
    await page.goto('/#/admin/banks');
    await check(page, 'admin banks', page.locator('#bank-file'));
    await page.locator('#bank-file').setInputFiles(badBank);
    await page.getByLabel('题库代码').fill('bad-bank');
    await page.getByLabel('题库名称').fill('有错误的题库');
    await page.getByLabel('科目').fill('test');
    await page.getByRole('button', {name: '检查文件（不导入）'}).click();
    await check(page, 'admin banks, error list', page.locator('.error-row').first());
    await page.getByRole('radio', {name: '粘贴文本'}).check();
    await page.locator('#bank-text').fill('一、单选题\n1. 宪法是国家的（ ）。\nA. 根本法 B. 普通法\n答案：A\n');
    await page.getByRole('button', {name: '预览（不导入）'}).click();
    await check(page, 'admin banks, pasted text preview', page.locator('.reading-q').first());
    await page.goto('/#/admin/staff');
    await check(page, 'admin staff', page.locator('#staff-file'));
    await page.goto('/#/admin/exams');
    await check(page, 'admin exams', page.getByRole('link', {name: 'demo'}));
    await page.goto('/#/admin/exams/demo');
    await check(page, 'admin exam detail', page.locator('.stat-value[data-key="assigned"]', {hasText: /\d/}));
    await page.goto('/#/hr');
    await check(page, 'hr picker (admin)', page.locator('#hr-code'));
    await page.getByRole('button', {name: '退出'}).click();
    await page.waitForURL(/#\/login$/);

    await env.login(page, 'hr1');
    await page.waitForURL(/#\/hr$/);
    await check(page, 'hr picker', page.locator('#hr-code'));
    await page.goto('/#/hr/demo');
    await check(page, 'hr report by unit', page.locator('#rates-table'));
    await page.getByRole('button', {name: '按人员类别'}).click();
    await check(page, 'hr report by category', page.locator('#rates-table', {hasText: '一般工作人员'}));
    await page.locator('#f-status').selectOption('submitted');
    await check(page, 'hr report filtered', page.locator('#results-table'));
    assert.deepEqual(page.problems, []);
    await ctx.close();
  });
}

/* WCAG 1.4.10 (reflow): at 320 CSS px — a 1280 px window zoomed to 400 % — nothing needs
 * scrolling sideways except the data tables, which scroll inside their own frame. */
test('pages reflow at 320 CSS px without sideways scrolling', async () => {
  const ctx = await env.browserContext({viewport: {width: 320, height: 640}, isMobile: true, hasTouch: true});
  const page = await env.newPage(ctx);
  const wide = [];
  const reflows = async (name, ready) => {
    await ready.waitFor();
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (over > 0) wide.push(`${name}: ${over}px wider than 320`);
  };
  await page.goto('/#/login');
  await reflows('login', page.getByRole('button', {name: '登录'}));
  await env.login(page, 'a0005');
  await reflows('my exams', page.locator('.exam-card').getByRole('button', {name: '开始考试'}));
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).click();
  await reflows('start dialog', page.getByRole('dialog', {name: '开始考试'}));
  await page.getByRole('button', {name: '开始答题'}).click();
  await reflows('exam', page.locator('.question-card'));
  await openQuestion(page, 5);
  await answerCurrent(page, 5);
  await reflows('exam, multiple choice', page.locator('.nav-q[data-pos="5"].answered'));
  await page.locator('.exam-bar').getByRole('button', {name: '交卷'}).click();
  await reflows('submit dialog', page.getByRole('dialog', {name: '确认交卷'}));
  await page.getByRole('dialog', {name: '确认交卷'}).getByRole('button', {name: '确认交卷'}).click();
  await reflows('result', page.locator('.receipt-code'));
  await page.getByRole('link', {name: '查看答题解析'}).click();
  await reflows('review', page.locator('.review-item').first());
  await page.getByRole('button', {name: '退出'}).click();
  await page.waitForURL(/#\/login$/);
  await page.getByRole('button', {name: '登录'}).waitFor();
  await env.login(page, 'admin1');
  await page.waitForURL(/#\/admin$/);
  for (const [name, hash, ready] of [['admin overview', '/#/admin', '.tile-grid'], ['admin banks', '/#/admin/banks', '#bank-file'],
    ['admin staff', '/#/admin/staff', '#staff-file'], ['admin exams', '/#/admin/exams', '.data-table'],
    ['admin exam detail', '/#/admin/exams/demo', '.stat-grid'], ['hr report', '/#/hr/demo', '#results-table']]) {
    await page.goto(hash);
    await reflows(name, page.locator(ready).first());
  }
  assert.deepEqual(wide, []);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

/* WCAG 4.1.3 (status messages): a save that fails is announced once, and so is its recovery;
 * a save that simply succeeds is not announced (the indicator is not a live region). */
test('a failing save and its recovery are announced to screen readers', async () => {
  const ctx = await context(VIEWPORTS.desktop);
  const page = await env.newPage(ctx, {allowHttp: ['503 PUT /api/v1/attempts/']});
  await env.login(page, 'a0006');
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.locator('.question-card').waitFor();
  const live = page.locator('main .sr-only[role="status"][aria-live="polite"]');
  assert.equal(await live.count(), 1, 'one live region for the save state');
  await answerCurrent(page, 1);
  await waitSaved(page);
  assert.equal(await live.textContent(), '', 'an ordinary save is not announced');
  let refused = 0;
  await page.route('**/api/v1/attempts/*/answers', async (route) => {
    refused++;
    await route.fulfill({status: 503, contentType: 'application/json',
      body: JSON.stringify({error: {code: 'storage_unavailable', message: '服务器暂时无法保存，请稍候'}})});
  });
  await openQuestion(page, 2);
  await answerCurrent(page, 2);
  await page.locator('.save-state', {hasText: '保存失败'}).waitFor();
  await waitFor(() => live.textContent().then((t) => /保存失败，正在自动重试/.test(t)), {what: 'the failure announced'});
  await page.unroute('**/api/v1/attempts/*/answers');
  await waitSaved(page, 15000);
  assert.equal(await live.textContent(), '答案已全部保存。', 'the recovery announced');
  assert.ok(refused >= 1);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

/* Routes whose own test file runs checkA11y (from a11y.mjs) on every state of the page, as
 * "regex source": "test file" — e.g. '^\\/laws$': 'laws.test.mjs'. */
const CHECKED_ELSEWHERE = {
  '^\\/admin\\/exams\\/([^/]+)\\/items$': 'actions.test.mjs',
  '^\\/admin\\/exams\\/([^/]+)\\/regrade$': 'actions.test.mjs',
  '^\\/admin\\/attempts\\/([^/]+)$': 'actions.test.mjs',
  '^\\/laws\\/([^/]+)$': 'laws.test.mjs',
  '^\\/laws\\/([^/]+)\\/([0-9]+(?:-[0-9]+)?)$': 'laws.test.mjs',
  '^\\/practice\\/(\\d+)$': 'practice.test.mjs',
  '^\\/hr-study$': 'practice.test.mjs', // its report would meet a11y's own HR reports (429 report_in_progress)
  '^\\/unit$': 'unit_admin.test.mjs',
  '^\\/unit\\/staff$': 'unit_admin.test.mjs',
  '^\\/unit\\/exams\\/([^/]+)$': 'unit_admin.test.mjs',
  '^\\/unit\\/attempts\\/([^/]+)$': 'unit_admin.test.mjs',
  '^\\/admin\\/notices$': 'notices.test.mjs',
  '^\\/unit\\/notices$': 'notices.test.mjs',
};
/* Who opens a route of a given role in the catch-all below. */
const ROLE_USERS = {null: 'a0002', examinee: 'a0002', admin: 'admin1', hr: 'hr1'};

/* The route table of web/js/app.js: a route not checked above is opened here in its plain state
 * (no parameters: /laws, /study…) by a user of its role and checked the same way; one that takes
 * a parameter, or a role this test has no user for, fails the test until a check is added above
 * (or its own test runs checkA11y and it is listed in CHECKED_ELSEWHERE). */
test('every route of web/js/app.js was checked', async () => {
  const src = readFileSync(join(SOURCE_DIR, 'web', 'js', 'app.js'), 'utf8');
  const routes = [...src.matchAll(/^\s*\[\/(\^.*?\$)\/,\s*[\w.]+,\s*(null|'[\w-]+')/gm)]
    .map((m) => ({src: m[1], re: new RegExp(m[1]), role: m[2] === 'null' ? null : m[2].slice(1, -1)}));
  assert.ok(routes.length >= 10, `read ${routes.length} routes from app.js`);
  const unchecked = () => routes.filter((r) => !CHECKED_ELSEWHERE[r.src] && ![...visited].some((p) => r.re.test(p)));
  for (const r of unchecked()) {
    const path = r.src.slice(1, -1).replace(/\\\//g, '/');
    if (!/^[\w/-]+$/.test(path)) continue; // takes a parameter: cannot be guessed
    const login = r.role === 'public' ? null : ROLE_USERS[r.role];
    if (login === undefined) continue;
    const ctx = await context(VIEWPORTS.desktop);
    const page = await env.newPage(ctx);
    if (login) {
      await env.login(page, login);
      await page.waitForURL((u) => !/#\/login$/.test(u.hash));
    }
    await page.goto('/#' + path);
    await page.waitForFunction(() => !!document.querySelector('main h1') && !document.getElementById('boot'));
    await page.waitForTimeout(500);
    await check(page, `route ${path} (not named in this test: its first state only)`);
    assert.deepEqual(page.problems, []);
    await ctx.close();
  }
  const missed = unchecked().map((r) => `/${r.src}/ (role ${r.role})`);
  assert.deepEqual(missed, [], `routes not checked by a11y.test.mjs (visited: ${[...visited].join(' ')}): ` +
    'add a check for each above, or run checkA11y in the page\'s own test and list it in CHECKED_ELSEWHERE');
});
