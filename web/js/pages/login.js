/* login.js — the login page and the password change page (forced at first login: until the
 * password is changed the server answers every other request with password_change_required). */
import {api, session, loadMe} from '../api.js';
import {h, field, alertBox, clear} from '../dom.js';
import {afterLogin, landing, go} from '../router.js';
import {LIMITS} from '../limits.js';

function passwordInput(id, autocomplete, label) {
  const input = h('input', {type: 'password', id, name: id, autocomplete, required: true, maxlength: String(LIMITS.password_max),
    spellcheck: 'false', autocapitalize: 'off'});
  const toggle = h('button', {type: 'button', class: 'pw-toggle', 'aria-pressed': 'false',
    'aria-label': '显示' + label, 'aria-controls': id}, '显示');
  toggle.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    toggle.textContent = show ? '隐藏' : '显示';
    toggle.setAttribute('aria-pressed', show ? 'true' : 'false');
    toggle.setAttribute('aria-label', (show ? '隐藏' : '显示') + label);
  });
  return {input, box: h('div', {class: 'pw-box'}, input, toggle)};
}

export function renderLogin(main) {
  if (session.user && !session.user.must_change_password) {
    go(landing());
    return;
  }
  if (session.user && session.user.must_change_password) {
    go('#/password');
    return;
  }
  document.body.classList.add('login-mode');
  const msg = h('div', {class: 'form-msg', 'aria-live': 'polite'});
  const login = h('input', {type: 'text', id: 'login', name: 'login', autocomplete: 'username', required: true,
    maxlength: String(LIMITS.login_max), spellcheck: 'false', autocapitalize: 'off', 'data-autofocus': ''});
  const pw = passwordInput('password', 'current-password', '密码');
  const submit = h('button', {type: 'submit', class: 'btn btn-primary btn-block'}, '登录');
  const form = h('form', {class: 'form', novalidate: true},
    field('工号', login).wrap,
    h('div', {class: 'field'}, h('label', {for: 'password'}, '密码'), pw.box),
    msg,
    submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(msg);
    const l = login.value.trim();
    if (!l || !pw.input.value) {
      msg.appendChild(alertBox('error', '请输入工号和密码。'));
      (l ? pw.input : login).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = '正在登录……';
    try {
      const r = await api('POST', '/login', {body: {login: l, password: pw.input.value}, quiet401: true});
      session.user = r.user;
      session.csrf = r.csrf_token || '';
      pw.input.value = '';
      document.body.classList.remove('login-mode');
      afterLogin();
    } catch (e) {
      let text = e.message;
      if (e.status === 429 && e.retryAfter) {
        const min = Math.ceil(parseInt(e.retryAfter, 10) / 60);
        if (min > 0) text += '（约 ' + min + ' 分钟后可再试）';
      }
      msg.appendChild(alertBox('error', text));
      pw.input.select();
      pw.input.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = '登录';
    }
  });
  main.appendChild(h('div', {class: 'login-wrap'},
    h('section', {class: 'card login-card', 'aria-labelledby': 'login-title'},
      h('div', {class: 'login-head'},
        h('img', {src: '/img/logo.svg', alt: '', width: '56', height: '56', class: 'login-logo'}),
        h('h1', {id: 'login-title', class: 'login-title'}, '学法考法考试平台'),
        h('p', {class: 'login-sub'}, '国家工作人员年度学法考法 · 请使用本人工号登录')),
      form,
      h('div', {class: 'login-notes'},
        h('p', null, '首次登录须修改初始密码。忘记密码请联系本单位考试管理员重置。'),
        h('p', null, '考试期间如网络中断，已作答内容会暂存在本机，网络恢复后自动提交，请勿关闭页面。')))));
  return () => document.body.classList.remove('login-mode');
}

const PW_LENGTH = LIMITS.password_min + ' 至 ' + LIMITS.password_max + ' 个字符';

/* The password rules of the server (common/pw.c pw_policy), checked here first for a quick answer. */
function policyProblem(loginName, pw) {
  if (pw.length < LIMITS.password_min || pw.length > LIMITS.password_max) return '密码长度须为 ' + PW_LENGTH + '。';
  if (pw === loginName) return '密码不能与工号相同。';
  let classes = 0;
  if (/[a-z]/.test(pw)) classes++;
  if (/[A-Z]/.test(pw)) classes++;
  if (/[0-9]/.test(pw)) classes++;
  if (/[^a-zA-Z0-9]/.test(pw)) classes++;
  if (classes < 2) return '密码须至少包含字母、数字、符号中的两类。';
  return null;
}

export function renderPassword(main) {
  const forced = !!(session.user && session.user.must_change_password);
  const msg = h('div', {class: 'form-msg', 'aria-live': 'polite'});
  const oldPw = passwordInput('pw-old', 'current-password', '原密码');
  const newPw = passwordInput('pw-new', 'new-password', '新密码');
  const again = passwordInput('pw-again', 'new-password', '确认新密码');
  oldPw.input.setAttribute('data-autofocus', '');
  newPw.input.setAttribute('aria-describedby', 'pw-rules');
  const submit = h('button', {type: 'submit', class: 'btn btn-primary'}, '确认修改');
  const form = h('form', {class: 'form', novalidate: true},
    h('div', {class: 'field'}, h('label', {for: 'pw-old'}, forced ? '初始密码' : '原密码'), oldPw.box),
    h('div', {class: 'field'}, h('label', {for: 'pw-new'}, '新密码'), newPw.box,
      h('p', {class: 'field-hint', id: 'pw-rules'}, PW_LENGTH + '，至少包含字母、数字、符号中的两类，不能与工号相同。')),
    h('div', {class: 'field'}, h('label', {for: 'pw-again'}, '再次输入新密码'), again.box),
    msg,
    h('div', {class: 'form-actions'}, submit,
      forced ? null : h('a', {href: '#/', class: 'btn btn-secondary'}, '取消')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(msg);
    const problem = !oldPw.input.value ? '请输入' + (forced ? '初始密码' : '原密码') + '。'
      : policyProblem(session.user.login, newPw.input.value)
      || (newPw.input.value !== again.input.value ? '两次输入的新密码不一致。' : null)
      || (newPw.input.value === oldPw.input.value ? '新密码不能与原密码相同。' : null);
    if (problem) {
      msg.appendChild(alertBox('error', problem));
      return;
    }
    submit.disabled = true;
    try {
      await api('POST', '/me/password', {body: {old: oldPw.input.value, new: newPw.input.value}});
      await loadMe();
      if (session.user) session.user.must_change_password = false;
      clear(main);
      main.appendChild(h('section', {class: 'card narrow'},
        h('h1', {class: 'page-title', tabindex: '-1'}, '密码已修改'),
        alertBox('success', '新密码已生效。请牢记新密码，不要告诉他人。'),
        h('p', null, h('button', {type: 'button', class: 'btn btn-primary', 'data-autofocus': '', onclick: afterLogin}, '继续'))));
      main.querySelector('[data-autofocus]').focus();
    } catch (e) {
      if (e.status !== 401) msg.appendChild(alertBox('error', e.message));
    } finally {
      submit.disabled = false;
    }
  });
  main.appendChild(h('section', {class: 'card narrow', 'aria-labelledby': 'pw-title'},
    h('h1', {class: 'page-title', id: 'pw-title', tabindex: '-1'}, forced ? '首次登录：请修改初始密码' : '修改密码'),
    forced ? alertBox('info', '为保障账号安全，首次登录须将管理员发放的初始密码改为只有您本人知道的新密码，修改后才能参加考试。') : null,
    form));
}
