// a11y.mjs — axe-core (npm axe-core, its axe.min.js injected into the page) run with the
// WCAG 2.1 A/AA rules. A page passes when axe finds no violation of impact serious or
// critical; moderate and minor ones are printed but do not fail. The browser context must be
// made with bypassCSP: true (the app's CSP forbids the inline script addScriptTag adds).
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
export const AXE_PATH = require.resolve('axe-core/axe.min.js');
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const FAILING = new Set(['serious', 'critical']);

/** Runs axe on the page as it is now. → {passed (rules), incomplete (rule ids axe could not
 *  decide), failing: [...], other: [...]}, each violation as {id, impact, help, targets}. */
export async function axeRun(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({path: AXE_PATH});
  const found = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return {passed: r.passes.length, incomplete: r.incomplete.map((v) => v.id),
      violations: r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.replace(/\s+/g, ' ').slice(0, 200) : ''))}))};
  }, WCAG_TAGS);
  const violations = found.violations;
  return {passed: found.passed, incomplete: found.incomplete,
    failing: violations.filter((v) => FAILING.has(v.impact)),
    other: violations.filter((v) => !FAILING.has(v.impact)),
  };
}

/** One line per violation and node: "[serious] color-contrast: … → .btn-link". */
export function describe(where, violations) {
  const out = [];
  for (const v of violations) {
    for (const t of v.targets) out.push(`${where}: [${v.impact}] ${v.id} (${v.help}) → ${t}`);
  }
  return out;
}

/** Runs axe and records serious/critical violations in page.problems (so the test fails at its
 *  end with the whole list), printing them and the lesser ones as it goes. Returns the failing
 *  ones. */
export async function checkA11y(page, where) {
  const {passed, incomplete, failing, other} = await axeRun(page);
  console.log(`a11y ${where}: ${passed} rules passed, ${failing.length} serious/critical and ${other.length} lesser ` +
    `violations${incomplete.length ? ', undecided: ' + incomplete.join(' ') : ''}`);
  for (const line of describe(where, other)) console.log('a11y (not failing) ' + line);
  const lines = describe(where, failing);
  for (const line of lines) console.log('a11y VIOLATION ' + line);
  if (page.problems) page.problems.push(...lines);
  return failing;
}
