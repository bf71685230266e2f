/* app.js — start-up, the hash router and the page shell (header, role-based navigation).
 * Each page module exports render(main, params) which builds the page into <main> and may
 * return a cleanup function, called before the next page is rendered. */
import {api, session, loadMe, hasRole, setUnauthorizedHandler} from './api.js';
import {h, clear, alertBox, pageTitle, ROLE_NAMES} from './dom.js';
import {flushAllFor} from './savequeue.js';
import * as loginPage from './pages/login.js';
import * as examsPage from './pages/exams.js';
import * as examPage from './pages/exam.js';
import * as resultPage from './pages/result.js';
import * as adminPage from './pages/admin.js';
import * as hrPage from './pages/hr.js';

const RETURN_KEY = 'lawexam.return';

/* [pattern, handler, role needed (null = any signed-in user), nav area] */
const routes = [
  [/^\/login$/, loginPage.renderLogin, 'public', null],
  [/^\/password$/, loginPage.renderPassword, null, null],
  [/^\/exams$/, examsPage.render, 'examinee', 'exams'],
  [/^\/exam\/([^/]+)$/, examPage.render, 'examinee', 'exams'],
  [/^\/result\/([^/]+)$/, resultPage.renderResult, 'examinee', 'exams'],
  [/^\/review\/([^/]+)$/, resultPage.renderReview, 'examinee', 'exams'],
  [/^\/admin$/, adminPage.renderHome, 'admin', 'admin'],
  [/^\/admin\/banks$/, adminPage.renderBanks, 'admin', 'admin'],
  [/^\/admin\/staff$/, adminPage.renderStaff, 'admin', 'admin'],
  [/^\/admin\/exams$/, adminPage.renderExams, 'admin', 'admin'],
  [/^\/admin\/exams\/([^/]+)$/, adminPage.renderExamDetail, 'admin', 'admin'],
  [/^\/hr$/, hrPage.renderPicker, 'hr', 'hr'],
  [/^\/hr\/([^/]+)$/, hrPage.renderReport, 'hr', 'hr'],
];

const NAV = [
  {area: 'exams', href: '#/exams', label: '我的考试', role: 'examinee'},
  {area: 'admin', href: '#/admin', label: '考试管理', role: 'admin'},
  {area: 'hr', href: '#/hr', label: '统计报表', role: 'hr'},
];

let cleanup = null;
let renderToken = 0;

function allowed(role) {
  if (role === 'public' || role === null) return true;
  if (role === 'hr') return hasRole('hr') || hasRole('admin');
  return hasRole(role);
}

/** Where a user lands after login or on "#/". */
export function landing() {
  if (!session.user) return '#/login';
  if (session.user.must_change_password) return '#/password';
  if (hasRole('examinee')) return '#/exams';
  if (hasRole('admin')) return '#/admin';
  if (hasRole('hr')) return '#/hr';
  return '#/exams';
}

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function currentPath() {
  const raw = location.hash.replace(/^#/, '') || '/';
  return raw.split('?')[0];
}

function renderShell(area) {
  const nav = document.getElementById('mainnav');
  const userBox = document.getElementById('topbar-user');
  clear(nav);
  clear(userBox);
  const u = session.user;
  if (!u) {
    nav.hidden = true;
    return;
  }
  const items = NAV.filter((n) => (n.role === 'hr' ? hasRole('hr') : hasRole(n.role)));
  if (items.length && !u.must_change_password) {
    nav.hidden = false;
    const ul = h('ul', {class: 'mainnav-list'});
    for (const n of items) {
      ul.appendChild(h('li', null, h('a', {
        href: n.href, class: 'mainnav-link' + (n.area === area ? ' active' : ''),
        'aria-current': n.area === area ? 'page' : null,
      }, n.label)));
    }
    nav.appendChild(h('div', {class: 'mainnav-inner'}, ul));
  } else {
    nav.hidden = true;
  }
  const roles = (u.roles || []).map((r) => ROLE_NAMES[r] || r).join('、');
  userBox.appendChild(h('div', {class: 'user-info'},
    h('span', {class: 'user-name'}, u.name || u.login),
    h('span', {class: 'user-meta'}, u.org ? u.org : roles)));
  const menu = h('div', {class: 'user-actions'});
  if (!u.must_change_password) menu.appendChild(h('a', {href: '#/password', class: 'topbar-btn'}, '修改密码'));
  menu.appendChild(h('button', {type: 'button', class: 'topbar-btn', onclick: logout}, '退出'));
  userBox.appendChild(menu);
}

async function logout() {
  try {
    await api('POST', '/logout', {quiet401: true});
  } catch (e) {
    /* already logged out or offline: forget the session locally anyway */
  }
  session.user = null;
  session.csrf = '';
  go('#/login');
}

export async function route() {
  const token = ++renderToken;
  if (cleanup) {
    try {
      cleanup();
    } catch (e) {
      /* ignore */
    }
    cleanup = null;
  }
  document.body.classList.remove('exam-mode');
  const path = currentPath();
  const main = document.getElementById('main');
  if (path === '/' || path === '') {
    go(landing());
    return;
  }
  let match = null;
  for (const r of routes) {
    const m = r[0].exec(path);
    if (m) {
      match = {handler: r[1], role: r[2], area: r[3], params: m.slice(1).map(decodeURIComponent)};
      break;
    }
  }
  if (match && match.role !== 'public' && !session.user) {
    try {
      sessionStorage.setItem(RETURN_KEY, location.hash);
    } catch (e) {
      /* ignore */
    }
    go('#/login');
    return;
  }
  if (session.user && session.user.must_change_password && path !== '/password' && path !== '/login') {
    go('#/password');
    return;
  }
  renderShell(match ? match.area : null);
  clear(main);
  if (!match) {
    main.appendChild(h('section', {class: 'card'}, pageTitle('页面不存在'),
      h('p', null, '您访问的地址不存在。'), h('p', null, h('a', {href: '#/', class: 'btn'}, '返回首页'))));
    focusMain(main);
    return;
  }
  if (!allowed(match.role)) {
    main.appendChild(h('section', {class: 'card'}, pageTitle('无权访问'),
      h('p', null, '您的账号没有访问该页面的权限。'), h('p', null, h('a', {href: '#/', class: 'btn'}, '返回首页'))));
    focusMain(main);
    return;
  }
  try {
    const c = await match.handler(main, match.params, {isCurrent: () => token === renderToken});
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

async function start() {
  setUnauthorizedHandler(() => {
    session.user = null;
    session.csrf = '';
    try {
      if (location.hash !== '#/login') sessionStorage.setItem(RETURN_KEY, location.hash);
    } catch (e) {
      /* ignore */
    }
    go('#/login');
  });
  document.getElementById('skip-link').addEventListener('click', () => {
    const main = document.getElementById('main');
    main.focus();
  });
  window.addEventListener('hashchange', route);
  let tries = 0;
  for (;;) {
    try {
      await loadMe();
      break;
    } catch (e) {
      // Offline or the server restarting: keep trying, the page shows why.
      tries++;
      const main = document.getElementById('main');
      clear(main);
      main.appendChild(h('section', {class: 'card'}, pageTitle('暂时无法连接服务器'),
        alertBox('warn', e.offline ? '网络连接中断。网络恢复后页面会自动继续，已作答的答案保存在本机，不会丢失。' : e.message),
        h('p', {class: 'muted'}, '正在重试（第 ' + tries + ' 次）……')));
      await new Promise((r) => setTimeout(r, Math.min(10000, 2000 * tries)));
    }
  }
  if (session.user) flushAllFor(session.user.login);
  route();
}

start();
