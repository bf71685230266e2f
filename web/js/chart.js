/* chart.js — a horizontal grouped bar chart as inline SVG built with DOM APIs (no library).
 * Sized in real pixels from its container (re-drawn on resize), so the Chinese labels keep a
 * readable size on a 360 px phone. Colours come from CSS classes (app.css), not attributes. */
import {h, s, clear} from './dom.js';

/**
 * barChart(container, {rows: [{label, full, values: [0..1 | null]}], series: [{name, cls}], title, tail})
 * tail: long labels keep their end (unit paths) rather than their start.
 * Values are fractions 0–1 drawn as percentages; null is drawn as "—".
 */
export function barChart(container, spec) {
  function draw() {
    clear(container);
    const width = Math.max(300, Math.floor(container.clientWidth || 600));
    const narrow = width < 520;
    const labelW = narrow ? Math.min(120, Math.floor(width * 0.34)) : Math.min(260, Math.floor(width * 0.3));
    const valueW = 56;
    const barH = 16;
    const gap = 4;
    const groupGap = 14;
    const top = 30;
    const plotW = width - labelW - valueW - 12;
    const groupH = spec.series.length * barH + (spec.series.length - 1) * gap;
    const height = top + spec.rows.length * (groupH + groupGap) + 8;
    const titleId = 'chart-' + Math.random().toString(36).slice(2);
    const svg = s('svg', {
      width, height, viewBox: '0 0 ' + width + ' ' + height, class: 'bar-chart', role: 'img',
      'aria-labelledby': titleId,
    });
    svg.appendChild(s('title', {id: titleId}, spec.title || '柱状图'));
    // gridlines at 0, 25, 50, 75, 100 %
    const ticks = plotW < 260 ? 2 : 4; // 0/50/100 % on phones, quarters elsewhere
    for (let i = 0; i <= ticks; i++) {
      const x = labelW + (plotW * i) / ticks;
      svg.appendChild(s('line', {x1: x, x2: x, y1: top - 6, y2: height - 6, class: 'chart-grid'}));
      svg.appendChild(s('text', {x, y: top - 12, class: 'chart-axis', 'text-anchor': i === 0 ? 'start' : i === ticks ? 'end' : 'middle'},
        (i * 100 / ticks) + '%'));
    }
    spec.rows.forEach((row, ri) => {
      const y0 = top + ri * (groupH + groupGap);
      const label = s('text', {x: labelW - 8, y: y0 + groupH / 2, class: 'chart-label', 'text-anchor': 'end', 'dominant-baseline': 'middle'},
        spec.tail ? truncateLeft(row.label, labelW - 10) : truncate(row.label, labelW - 10));
      if (row.full && row.full !== row.label) label.appendChild(s('title', null, row.full));
      svg.appendChild(label);
      spec.series.forEach((ser, si) => {
        const v = row.values[si];
        const y = y0 + si * (barH + gap);
        const w = v === null || v === undefined ? 0 : Math.max(v > 0 ? 2 : 0, plotW * Math.min(1, Math.max(0, v)));
        const rect = s('rect', {x: labelW, y, width: w, height: barH, rx: 2, class: 'chart-bar ' + ser.cls});
        rect.appendChild(s('title', null, (row.full || row.label) + ' · ' + ser.name + '：' + pct(v)));
        svg.appendChild(rect);
        svg.appendChild(s('text', {x: labelW + w + 4, y: y + barH / 2, class: 'chart-value', 'dominant-baseline': 'middle'}, pct(v)));
      });
    });
    container.appendChild(svg);
  }
  const legend = h('ul', {class: 'chart-legend', 'aria-hidden': 'true'},
    spec.series.map((ser) => h('li', null, h('span', {class: 'legend-swatch ' + ser.cls}), ser.name)));
  draw();
  container.parentNode.insertBefore(legend, container);
  let t = null;
  let lastW = container.clientWidth;
  const onResize = () => {
    clearTimeout(t);
    t = setTimeout(() => {
      if (container.isConnected && container.clientWidth !== lastW) {
        lastW = container.clientWidth;
        draw();
      }
    }, 150);
  };
  window.addEventListener('resize', onResize);
  return () => window.removeEventListener('resize', onResize);
}

function pct(v) {
  return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%';
}

function charW(ch) {
  return /[\u2e80-\uffff]/.test(ch) ? 13 : 13 * 0.55;
}

/* Keeps the end of a long unit path: "…区司法局/普法股". */
function truncateLeft(text, px) {
  const chars = Array.from(String(text));
  let w = 0;
  let i = chars.length;
  while (i > 0 && w + charW(chars[i - 1]) <= px - 13) {
    w += charW(chars[i - 1]);
    i--;
  }
  return i === 0 ? chars.join('') : '…' + chars.slice(i).join('');
}

/* Rough width of a label: CJK characters count as one em, others as half. */
function truncate(text, px) {
  const em = 13;
  let w = 0;
  let out = '';
  const str = String(text);
  for (const ch of str) {
    w += /[\u2e80-\uffff]/.test(ch) ? em : em * 0.55;
    if (w > px) return out + '…';
    out += ch;
  }
  return out;
}
