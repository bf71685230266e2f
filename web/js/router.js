/* router.js — navigation: the route table (filled by app.js through addRoutes), parsing the
 * hash, go(), rendering the matching page into <main> and calling the previous page's cleanup,
 * the role check, and where a user lands before and after login. It imports no page (pages
 * import go from here), so the module graph has no cycle; the page shell (header, navigation)
 * is drawn by whatever app.js hands to setShell. */
import {session, hasRole} from './api.js';
import {h, clear, alertBox, pageTitle} from './dom.js';
import {flushAllFor} from './savequeue.js';

const RETURN_KEY = 'lawexam.return';

/* {pattern, handler, role, area}: role null = any signed-in user, 'public' = anyone;
 * area = the navigation item shown as current. */
const routes = [];
let drawShell = () => {};
let cleanup = null;
let renderToken = 0;

/** Adds [pattern, handler(main, params, ctx), role, area] rows to the route table. */
export function addRoutes(rows) {
  for (const [pattern, handler, role, area] of rows) routes.push({pattern, handler, role, area});
}

/** fn(area) draws the page shell for the navigation area about to be shown (null: none). */
export function setShell(fn) {
  drawShell = fn;
}

function allowed(role) {
  if (role === 'public' || role === null) return true;
  if (role === 'hr') return hasRole('hr') || hasRole('admin') || hasRole('unit_admin');
  if (role === 'unit') return hasRole('unit_admin') || hasRole('admin');
  return hasRole(role);
}

/** Where a user lands after login or on "#/". */
export function landing() {
  if (!session.user) return '#/login';
  if (session.user.must_change_password) return '#/password';
  if (hasRole('examinee')) return '#/exams';
  if (hasRole('admin')) return '#/admin';
  if (hasRole('unit_admin')) return '#/unit';
  if (hasRole('hr')) return '#/hr';
  return '#/exams';
}

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

/** To the login page, remembering where the user was so afterLogin() can return there. */
export function toLogin() {
  try {
    if (location.hash !== '#/login') sessionStorage.setItem(RETURN_KEY, location.hash);
  } catch (e) {
    /* ignore */
  }
  go('#/login');
}

/** "#/exam/12?x=1" → "/exam/12". */
function currentPath() {
  const raw = location.hash.replace(/^#/, '') || '/';
  return raw.split('?')[0];
}

function match(path) {
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (m) return {handler: r.handler, role: r.role, area: r.area, params: m.slice(1).map(decodeURIComponent)};
  }
  return null;
}

function runCleanup() {
  if (!cleanup) return;
  try {
    cleanup();
  } catch (e) {
    /* ignore */
  }
  cleanup = null;
}

function messagePage(main, title, text) {
  main.appendChild(h('section', {class: 'card'}, pageTitle(title),
    h('p', null, text), h('p', null, h('a', {href: '#/', class: 'btn'}, '返回首页'))));
  focusMain(main);
}

/** Renders the page of the current hash (the hashchange listener). */
export async function route() {
  const token = ++renderToken;
  runCleanup();
  document.body.classList.remove('exam-mode');
  const path = currentPath();
  const main = document.getElementById('main');
  if (path === '/' || path === '') {
    go(landing());
    return;
  }
  const m = match(path);
  if (m && m.role !== 'public' && !session.user) {
    toLogin();
    return;
  }
  if (session.user && session.user.must_change_password && path !== '/password' && path !== '/login') {
    go('#/password');
    return;
  }
  drawShell(m ? m.area : null);
  clear(main);
  if (!m) return messagePage(main, '页面不存在', '您访问的地址不存在。');
  if (!allowed(m.role)) return messagePage(main, '无权访问', '您的账号没有访问该页面的权限。');
  await renderPage(main, m, token);
}

async function renderPage(main, m, token) {
  try {
    const c = await m.handler(main, m.params, {isCurrent: () => token === renderToken});
    if (token !== renderToken) {
      if (typeof c === 'function') c();
      return;
    }
    cleanup = typeof c === 'function' ? c : null;
  } catch (e) {
    if (token !== renderToken) return;
    if (e && e.status === 401) return; // the unauthorized handler already redirected
    clear(main);
    main.appendChild(h('section', {class: 'card'}, pageTitle('无法加载页面'),
      alertBox('error', (e && e.message) || '发生未知错误'),
      h('p', null, h('button', {type: 'button', class: 'btn', onclick: () => route()}, '重试'))));
  }
  if (token === renderToken) focusMain(main);
}

function focusMain(main) {
  const t = main.querySelector('[data-autofocus]') || main.querySelector('h1');
  if (t) {
    if (!t.hasAttribute('tabindex') && !/^(INPUT|BUTTON|SELECT|TEXTAREA|A)$/.test(t.tagName)) t.setAttribute('tabindex', '-1');
    t.focus({preventScroll: true});
  }
  window.scrollTo(0, 0);
}

/** After login or password change: go where the user was going, or to their landing page. */
export function afterLogin() {
  let ret = null;
  try {
    ret = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
  } catch (e) {
    /* ignore */
  }
  if (session.user && session.user.login) flushAllFor(session.user.login);
  if (ret && ret !== '#/login' && ret !== '#/password' && !session.user.must_change_password) go(ret);
  else go(landing());
}
