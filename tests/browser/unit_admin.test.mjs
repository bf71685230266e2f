// unit_admin.test.mjs — a unit administrator (单位管理员, SPEC §12) signs in and sees only the
// units of their scope: the exam's progress per unit, the drill-down to the people with status
// and remaining time, the staff page (search, reset a password shown once), and the results
// file of their scope, which holds only their people.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {Env, demoExam, VIEWPORTS, PASSWORD} from './harness.mjs';
import {checkA11y} from './a11y.mjs';

const env = new Env('unit_admin');
const EXAM = 'unit-2026';
const SCOPE = '珠晖区/区司法局';
const MINE = [
  ['u001', '陈明', SCOPE],
  ['u002', '林芳', SCOPE + '/普法股'],
  ['u003', '黄强', SCOPE + '/普法股'],
];
const OTHERS = [
  ['x001', '赵外', '珠晖区/区财政局'],
  ['x002', '钱外', '珠晖区/区司法局局'], // a unit whose path only starts with the scope's
];

async function start(login, submit) {
  const c = await env.apiAs(login);
  const r = await c.raw('POST', `/exams/${EXAM}/attempts`);
  assert.ok(r.ok(), `start ${login}: ${r.status()}`);
  const a = await r.json();
  if (submit) assert.ok((await c.raw('POST', `/attempts/${a.id}/submit`)).ok());
  await c.dispose();
}

before(async () => {
  env.init();
  for (const [login, name, org] of MINE.concat(OTHERS)) env.addUser(login, {name, org});
  env.addUser('ua1', {name: '司法局管理员', org: SCOPE, roles: 'unit_admin'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  env.createExam(demoExam(EXAM, {title: '2026年度学法考法（单位管理）'}));
  await env.start();
  await start('u001', false); // in progress
  await start('u002', true);  // submitted
  await start('x001', false); // outside the scope
});

after(async () => {
  await env.stop();
});

test('unit administrator: only the scope, drill-down, password reset, results file', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  page.on('dialog', (d) => d.accept());
  await env.login(page, 'ua1');
  await page.waitForURL(/#\/unit$/);
  const nav = page.locator('#mainnav');
  await nav.getByRole('link', {name: '单位管理'}).waitFor();
  await nav.getByRole('link', {name: '统计报表'}).waitFor();
  assert.equal(await nav.getByRole('link', {name: '考试管理'}).count(), 0, 'no whole-system administration');
  await page.getByText('管理范围：' + SCOPE).waitFor();
  await env.shot(page, 'desktop-01-home');

  // The exam: per-unit progress over the scope only.
  await page.getByRole('link', {name: EXAM}).click();
  await page.waitForURL(new RegExp(`#/unit/exams/${EXAM}$`));
  await page.locator('#units-box table').waitFor();
  const units = await page.locator('#units-box tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.cells).slice(0, 5).map((c) => c.textContent.trim())));
  assert.deepEqual(units, [[SCOPE, '1', '0', '1', '0'], [SCOPE + '/普法股', '2', '1', '0', '1']]);
  assert.equal(await page.locator('.stat-value[data-key="assigned"]').textContent(), '3');
  const text = await page.locator('main').textContent();
  for (const [, name, org] of OTHERS) {
    assert.ok(!text.includes(name) && !text.includes(org), `${name} / ${org} shown to a unit administrator`);
  }
  await env.shot(page, 'desktop-02-units');

  // Drill down: the people of the scope's own unit, u001 in progress with time left.
  await page.getByRole('button', {name: `查看人员：${SCOPE}`, exact: true}).click();
  await page.locator('#people-box table').waitFor();
  const people = await page.locator('#people-box tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.cells).map((c) => c.textContent.trim())));
  assert.deepEqual(people.map((r) => r[0]), ['u001', 'u002', 'u003'], 'the unit and its sub-unit');
  assert.equal(people[0][3], '答题中');
  assert.match(people[0][4], /^(\d\d:)?\d\d:\d\d$/, 'remaining time of the attempt in progress');
  assert.equal(people[1][3], '已交卷');
  await page.getByLabel('状态').selectOption({label: '未开始'});
  await page.waitForFunction(() => document.querySelectorAll('#people-box tbody tr').length === 1);
  assert.equal(await page.locator('#people-box tbody tr td').first().textContent(), 'u003');
  await env.shot(page, 'desktop-03-people');

  // The results file of the scope: only their people.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#download-results-csv').click()]);
  const csv = readFileSync(await dl.path()).toString('utf8');
  assert.ok(csv.startsWith('\ufeff'), 'CSV with a BOM');
  const logins = csv.replace(/^\ufeff/, '').trim().split(/\r\n/).slice(1).map((l) => l.split(',')[0]);
  assert.deepEqual(logins.sort(), MINE.map((m) => m[0]).sort());

  // The staff page: search by name, reset a password (shown once), then it works.
  await page.locator('.subnav').getByRole('link', {name: '人员管理'}).click();
  await page.waitForURL(/#\/unit\/staff$/);
  await page.locator('#staff-out table').waitFor();
  const listed = await page.locator('#staff-out tbody tr td:first-child').allTextContents();
  assert.deepEqual(listed.sort(), ['u001', 'u002', 'u003', 'ua1'].sort());
  await page.getByLabel('姓名或工号').fill('黄强');
  await page.getByRole('button', {name: '查找'}).click();
  await page.waitForFunction(() => document.querySelectorAll('#staff-out tbody tr').length === 1);
  await page.getByRole('button', {name: '重置密码：黄强（u003）'}).click();
  const pw = (await page.locator('#new-password').textContent()).trim();
  assert.ok(pw.length >= 8, 'a generated password is shown');
  await env.shot(page, 'desktop-04-staff-reset');
  const c = await env.apiAs('u003', pw);
  const me = await c.get('/me');
  assert.equal(me.user.must_change_password, true);
  await c.dispose();
  await assert.rejects(env.apiAs('u003', PASSWORD), /401/, 'the old password no longer works');

  // The reports entry of the navigation: the HR report over the scope only.
  await nav.getByRole('link', {name: '统计报表'}).click();
  await page.waitForURL(/#\/hr$/);
  await page.getByLabel('考试编号').fill(EXAM);
  await page.getByRole('button', {name: '查看报表'}).click();
  await page.waitForURL(new RegExp(`#/hr/${EXAM}$`));
  await page.locator('#results-table tbody tr').first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length >= 3);
  const reported = await page.locator('#results-table tbody tr').evaluateAll((rows) =>
    rows.map((r) => r.cells[0].textContent.trim()));
  assert.deepEqual(reported.sort(), MINE.map((m) => m[0]).sort(), 'the report holds the scope only');
  await env.shot(page, 'desktop-05-report');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

/* axe-core (WCAG 2.1 A/AA) on every state of the 单位管理 pages, at both sizes; the routes are
 * listed in a11y.test.mjs's CHECKED_ELSEWHERE. The context bypasses the CSP for axe's script,
 * so this walk is separate from the test above, which watches for CSP violations. */
for (const [vpName, viewport] of Object.entries(VIEWPORTS)) {
  test(`unit administrator pages pass axe (${vpName})`, async () => {
    const isPhone = viewport === VIEWPORTS.phone;
    const ctx = await env.browserContext({viewport, bypassCSP: true, ...(isPhone ? {isMobile: true, hasTouch: true} : {})});
    const page = await env.newPage(ctx);
    page.on('dialog', (d) => d.accept());
    await env.login(page, 'ua1');
    await page.waitForURL(/#\/unit$/);
    await page.getByRole('link', {name: EXAM}).waitFor();
    await checkA11y(page, `unit home (${vpName})`);
    await env.shot(page, `${vpName}-a11y-01-home`);
    await page.goto(`/#/unit/exams/${EXAM}`);
    await page.locator('#units-box table').waitFor();
    await checkA11y(page, `unit exam progress (${vpName})`);
    await page.getByRole('button', {name: `查看人员：${SCOPE}/普法股`}).click();
    await page.locator('#people-box table').waitFor();
    await checkA11y(page, `unit exam people (${vpName})`);
    await env.shot(page, `${vpName}-a11y-02-people`);
    await page.goto('/#/unit/staff');
    await page.locator('#staff-out table').waitFor();
    await checkA11y(page, `unit staff (${vpName})`);
    await page.getByRole('button', {name: '重置密码：陈明（u001）'}).click();
    await page.locator('#new-password').waitFor();
    await checkA11y(page, `unit staff, new password shown (${vpName})`);
    await page.getByRole('button', {name: '停用：陈明（u001）'}).click();
    await page.getByRole('button', {name: '启用：陈明（u001）'}).waitFor();
    await checkA11y(page, `unit staff, after disabling (${vpName})`);
    await page.getByRole('button', {name: '启用：陈明（u001）'}).click();
    await page.getByRole('button', {name: '停用：陈明（u001）'}).waitFor();
    await env.shot(page, `${vpName}-a11y-03-staff`);
    assert.deepEqual(page.problems, []);
    await ctx.close();
  });
}
