/* legacy.js — runs only in browsers without ES module support (nomodule): tells the user to
 * switch browsers instead of showing a blank page. Plain ES3 on purpose. */
(function () {
  var boot = document.getElementById('boot');
  if (!boot) return;
  boot.innerHTML = '';
  var p = document.createElement('p');
  p.className = 'alert alert-error';
  p.appendChild(document.createTextNode(
    '您的浏览器版本过旧，无法使用本系统。请使用新版 Chrome、Edge、Firefox，或 360 安全浏览器、QQ 浏览器的“极速模式”打开本页面。'));
  boot.appendChild(p);
})();
