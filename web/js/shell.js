/* shell.js — the page shell around <main>: the role-based main navigation and the user box
 * (name, unit, change password, log out) in the top bar. Knows nothing of the pages; the
 * router calls renderShell(area) before each page with the navigation area to mark. */
import {api, session, hasRole} from './api.js';
import {h, clear, ROLE_NAMES, openModal} from './dom.js';
import {go} from './router.js';

const NAV = [
  {area: 'exams', href: '#/exams', label: '我的考试', role: 'examinee'},
  {area: 'admin', href: '#/admin', label: '考试管理', role: 'admin'},
  {area: 'unit', href: '#/unit', label: '单位管理', role: 'unit'},
  {area: 'hr', href: '#/hr', label: '统计报表', role: 'hr'},
  {area: 'laws', href: '#/laws', label: '法律法规', role: null},
];

/* Who sees a navigation item. Administrators reach 统计报表 and 单位管理 from 考试管理 (its
 * tiles and tabs); a unit administrator has them here (SPEC §12). */
function shows(role) {
  if (role === null) return true;
  if (role === 'hr') return hasRole('hr') || hasRole('unit_admin');
  if (role === 'unit') return hasRole('unit_admin') && !hasRole('admin');
  return hasRole(role);
}

function renderNav(nav, u, area) {
  const items = NAV.filter((n) => shows(n.role));
  if (!items.length || u.must_change_password) {
    nav.hidden = true;
    return;
  }
  nav.hidden = false;
  const ul = h('ul', {class: 'mainnav-list'});
  for (const n of items) {
    ul.appendChild(h('li', null, h('a', {
      href: n.href, class: 'mainnav-link' + (n.area === area ? ' active' : ''),
      'aria-current': n.area === area ? 'page' : null,
    }, n.label)));
  }
  nav.appendChild(h('div', {class: 'mainnav-inner'}, ul));
}

export function renderShell(area) {
  const nav = document.getElementById('mainnav');
  const userBox = document.getElementById('topbar-user');
  clear(nav);
  clear(userBox);
  const u = session.user;
  if (!u) {
    nav.hidden = true;
    return;
  }
  renderNav(nav, u, area);
  const roles = (u.roles || []).map((r) => ROLE_NAMES[r] || r).join('、');
  userBox.appendChild(h('div', {class: 'user-info'},
    h('span', {class: 'user-name'}, u.name || u.login),
    h('span', {class: 'user-meta'}, u.org ? u.org : roles)));
  const menu = h('div', {class: 'user-actions'});
  if (!u.must_change_password) menu.appendChild(h('a', {href: '#/password', class: 'topbar-btn'}, '修改密码'));
  menu.appendChild(h('button', {type: 'button', class: 'topbar-btn', onclick: logout}, '退出'));
  userBox.appendChild(menu);
}

/** During an exam 退出 asks first: the clock does not stop for a logout. */
function confirmLogout() {
  if (!/^#\/exam\/\d+$/.test(location.hash)) return Promise.resolve(true);
  return new Promise((resolve) => {
    let answer = false;
    const dlg = h('dialog', {class: 'dialog', 'aria-labelledby': 'logout-title'},
      h('h2', {id: 'logout-title'}, '退出登录？'),
      h('p', null, '您正在考试中。退出登录不会暂停计时，时间到时系统将自动交卷；已保存的答案不会丢失，重新登录后可继续作答。'),
      h('div', {class: 'dialog-actions'},
        h('button', {type: 'button', class: 'btn btn-primary', 'data-autofocus': '', onclick: () => dlg.close()}, '继续考试'),
        h('button', {type: 'button', class: 'btn btn-danger', onclick: () => {
          answer = true;
          dlg.close();
        }}, '仍要退出')));
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(answer);
    });
    document.body.appendChild(dlg);
    openModal(dlg);
  });
}

async function logout() {
  if (!(await confirmLogout())) return;
  try {
    await api('POST', '/logout', {quiet401: true});
  } catch (e) {
    /* already logged out or offline: forget the session locally anyway */
  }
  session.user = null;
  session.csrf = '';
  go('#/login');
}
