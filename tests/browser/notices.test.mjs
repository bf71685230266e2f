// notices.test.mjs — 通知公告 (SPEC §12): an administrator posts a notice on the admin page
// (#/admin/notices, reached from the 考试管理 tabs), a refused post shows the server's Chinese
// message; an examinee of the unit's sub-unit sees it on the home page (我的考试) at desktop and
// phone sizes, one of 珠晖区/区司法局局 (a unit whose path merely starts with the same text) does
// not; a delete takes it away. A unit administrator's page (#/unit/notices) posts inside the
// scope. axe-core on every state of both pages and of the home page with a notice (the routes
// are listed in a11y.test.mjs's CHECKED_ELSEWHERE).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {Env, VIEWPORTS} from './harness.mjs';
import {checkA11y} from './a11y.mjs';

const env = new Env('notices');
const UNIT = '珠晖区/区司法局';
const TITLE = '关于参加2026年度学法考法的通知';
const BODY = '请各位同志于12月20日前登录平台完成年度考试。\n考试期间如遇问题，请联系本单位考试管理员。';

before(async () => {
  env.init();
  env.addUser('n001', {name: '陈明', org: UNIT + '/普法股'});
  env.addUser('n002', {name: '钱外', org: '珠晖区/区司法局局'}); // not under UNIT
  env.addUser('admin1', {name: '王管理', org: UNIT, roles: 'admin'});
  env.addUser('ua1', {name: '司法局管理员', org: UNIT, roles: 'unit_admin'});
  await env.start();
});

after(async () => {
  await env.stop();
});

async function examineeSees(viewport, login, vpName) {
  const isPhone = viewport === VIEWPORTS.phone;
  const ctx = await env.browserContext({viewport, ...(isPhone ? {isMobile: true, hasTouch: true} : {})});
  const page = await env.newPage(ctx);
  await env.login(page, login);
  await page.waitForURL(/#\/exams$/);
  await page.getByRole('heading', {name: '我的考试'}).waitFor();
  await page.locator('.empty, .exam-list').first().waitFor();
  const block = page.getByRole('region', {name: '通知公告'});
  const seen = (await block.count()) ? await block.locator('.notice-title').allTextContents() : [];
  if (vpName) await env.shot(page, `${vpName}-examinee-home`);
  const body = (await block.count()) ? await block.locator('.notice-body').first().textContent() : '';
  assert.deepEqual(page.problems, []);
  await ctx.close();
  return {seen, body};
}

test('an administrator posts a notice; the examinees of the unit see it, others do not', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx, {allowHttp: ['400 POST /api/v1/admin/notices']});
  await env.login(page, 'admin1');
  await page.waitForURL(/#\/admin$/);
  await page.locator('.subnav').getByRole('link', {name: '通知公告'}).click();
  await page.waitForURL(/#\/admin\/notices$/);
  await page.getByText('还没有通知。').waitFor();

  // a refused post: the end before the start, the server's message shown, nothing listed
  await page.getByLabel('标题').fill('时间有误的通知');
  await page.getByLabel('正文').fill('正文');
  await page.getByLabel('开始时间（北京时间）').fill('2026-12-10T08:00');
  await page.getByLabel('结束时间（北京时间）').fill('2026-12-01T08:00');
  await page.getByRole('button', {name: '发布通知'}).click();
  await page.getByRole('alert').filter({hasText: '结束时间 until 须晚于开始时间 from'}).waitFor();
  await env.shot(page, 'desktop-01-admin-refused');

  await page.reload();
  await page.getByLabel('标题').fill(TITLE);
  await page.getByLabel('正文').fill(BODY);
  await page.getByLabel('发布单位').fill(UNIT);
  await page.getByRole('button', {name: '发布通知'}).click();
  await page.getByRole('status').filter({hasText: '已发布：' + TITLE}).waitFor();
  const row = page.locator('#notice-admin-list tbody tr', {hasText: TITLE});
  await row.waitFor();
  assert.match(await row.textContent(), /展示中/);
  assert.match(await row.textContent(), new RegExp(UNIT + '（含下级单位）'));
  await env.shot(page, 'desktop-02-admin-posted');
  assert.deepEqual(page.problems, []);

  for (const [vpName, viewport] of Object.entries(VIEWPORTS)) {
    const mine = await examineeSees(viewport, 'n001', vpName);
    assert.deepEqual(mine.seen, [TITLE], `n001 sees the notice (${vpName})`);
    assert.match(mine.body, /12月20日前/);
  }
  assert.deepEqual((await examineeSees(VIEWPORTS.desktop, 'n002')).seen, [], '区司法局局 is not under 区司法局');

  // delete: confirm in the dialog, the row goes, the examinee no longer sees it
  await row.getByRole('button', {name: '删除通知：' + TITLE}).click();
  await page.getByRole('dialog', {name: '删除通知？'}).getByRole('button', {name: '删除'}).click();
  await page.getByText('还没有通知。').waitFor();
  assert.deepEqual((await examineeSees(VIEWPORTS.desktop, 'n001')).seen, []);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('a unit administrator posts inside the scope from 单位管理', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx, {allowHttp: ['403 POST /api/v1/admin/notices']});
  await env.login(page, 'ua1');
  await page.waitForURL(/#\/unit$/);
  await page.locator('.subnav').getByRole('link', {name: '通知公告'}).click();
  await page.waitForURL(/#\/unit\/notices$/);
  assert.equal(await page.getByLabel('发布单位').inputValue(), UNIT, 'the scope is the default unit');
  await page.getByLabel('标题').fill('越权通知');
  await page.getByLabel('正文').fill('正文');
  await page.getByLabel('发布单位').fill('珠晖区/区司法局局');
  await page.getByRole('button', {name: '发布通知'}).click();
  await page.getByRole('alert').filter({hasText: '不在您的管理范围内'}).waitFor();
  await page.getByLabel('发布单位').fill(UNIT + '/普法股');
  await page.getByLabel('人员类别').selectOption({label: '一般工作人员'});
  await page.getByLabel('标题').fill('普法股通知');
  await page.getByRole('button', {name: '发布通知'}).click();
  await page.locator('#notice-admin-list tbody tr', {hasText: '普法股通知'}).waitFor();
  await env.shot(page, 'desktop-03-unit-posted');
  assert.deepEqual(page.problems, []);
  await ctx.close();
  assert.deepEqual((await examineeSees(VIEWPORTS.desktop, 'n001')).seen, ['普法股通知']);
  assert.deepEqual((await examineeSees(VIEWPORTS.desktop, 'n002')).seen, []);
});

/* axe-core (WCAG 2.1 A/AA): both management pages (with a list, with an error), the delete
 * dialog, and the home page with a notice, at both sizes. The context bypasses the CSP for
 * axe's script, so this walk is separate from the tests above. */
for (const [vpName, viewport] of Object.entries(VIEWPORTS)) {
  test(`notice pages pass axe (${vpName})`, async () => {
    const isPhone = viewport === VIEWPORTS.phone;
    const opts = {viewport, bypassCSP: true, ...(isPhone ? {isMobile: true, hasTouch: true} : {})};
    let ctx = await env.browserContext(opts);
    let page = await env.newPage(ctx, {allowHttp: ['400 POST /api/v1/admin/notices']});
    await env.login(page, 'admin1');
    await page.waitForURL(/#\/admin$/);
    await page.goto('/#/admin/notices');
    await page.locator('#notice-admin-list tbody tr').first().waitFor();
    await checkA11y(page, `admin notices (${vpName})`);
    await page.getByLabel('标题').fill('');
    await page.getByRole('button', {name: '发布通知'}).click();
    await page.getByRole('alert').waitFor();
    await checkA11y(page, `admin notices, refused (${vpName})`);
    await page.locator('#notice-admin-list tbody tr').first().getByRole('button', {name: /^删除通知：/}).click();
    await page.getByRole('dialog', {name: '删除通知？'}).waitFor();
    await checkA11y(page, `admin notices, delete dialog (${vpName})`);
    await page.getByRole('button', {name: '取消'}).click();
    await env.shot(page, `${vpName}-a11y-admin`);
    assert.deepEqual(page.problems, []);
    await ctx.close();

    ctx = await env.browserContext(opts);
    page = await env.newPage(ctx);
    await env.login(page, 'ua1');
    await page.waitForURL(/#\/unit$/);
    await page.goto('/#/unit/notices');
    await page.locator('#notice-admin-list tbody tr').first().waitFor();
    await checkA11y(page, `unit notices (${vpName})`);
    assert.deepEqual(page.problems, []);
    await ctx.close();

    ctx = await env.browserContext(opts);
    page = await env.newPage(ctx);
    await env.login(page, 'n001');
    await page.waitForURL(/#\/exams$/);
    await page.getByRole('region', {name: '通知公告'}).waitFor();
    await checkA11y(page, `examinee home with a notice (${vpName})`);
    await env.shot(page, `${vpName}-a11y-home`);
    assert.deepEqual(page.problems, []);
    await ctx.close();
  });
}
