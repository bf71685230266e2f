// check-imports.mjs — the module graph of web/js must have no cycle. Takes the `import|export
// … from '…'` statements that start a line in every .js under a folder (default web/js), and
// exits 1 naming each cycle, or each relative import of a missing file (GENERATED excepted).
// Usage: node check-imports.mjs [folder] [--graph]   (--graph also prints file → imports)
import {readdirSync, readFileSync, existsSync, statSync} from 'node:fs';
import {join, resolve, relative, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';

/* Served by lawexamd from a C header, not stored in the repository (paths relative to root). */
const GENERATED = ['limits.js'];

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const printGraph = args.includes('--graph');
const root = resolve(args.find((a) => !a.startsWith('--')) ||
  join(process.env.LAWEXAM_SOURCE_DIR || join(here, '..', '..'), 'web', 'js'));

function jsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsFiles(p));
    else if (name.endsWith('.js')) out.push(p);
  }
  return out;
}

/* import x from '…'; import {a,\n b} from '…'; import '…'; export {a} from '…' */
const IMPORT_RE = /^(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm;

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(IMPORT_RE)) out.push(m[1]);
  return out;
}

const rel = (p) => relative(root, p);
const problems = [];
const graph = new Map();
for (const file of jsFiles(root)) {
  const deps = [];
  for (const spec of importsOf(file)) {
    if (!spec.startsWith('.')) continue; // bare or absolute specifiers: not ours
    const target = resolve(dirname(file), spec);
    if (!existsSync(target) && !GENERATED.includes(rel(target))) {
      problems.push(`${rel(file)}: imports '${spec}', which does not exist (${rel(target)})`);
      continue;
    }
    deps.push(target);
  }
  graph.set(file, deps);
}

/* Depth-first search; a back edge to a module still on the stack closes a cycle. */
const WHITE = 0, GREY = 1, BLACK = 2;
const colour = new Map();
const stack = [];
const cycles = [];
function visit(file) {
  colour.set(file, GREY);
  stack.push(file);
  for (const dep of graph.get(file) || []) {
    const c = colour.get(dep) || WHITE;
    if (c === GREY) cycles.push(stack.slice(stack.indexOf(dep)).concat(dep).map(rel).join(' → '));
    else if (c === WHITE && graph.has(dep)) visit(dep);
  }
  stack.pop();
  colour.set(file, BLACK);
}
for (const file of graph.keys()) if (!colour.get(file)) visit(file);

if (printGraph) {
  for (const [file, deps] of graph) console.log(`${rel(file)} → ${deps.map(rel).join(', ') || '(nothing)'}`);
}
for (const c of cycles) problems.push(`import cycle: ${c}`);
if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`check-imports: ${problems.length} problem(s) in ${graph.size} modules under ${root}`);
  process.exit(1);
}
let edges = 0;
for (const deps of graph.values()) edges += deps.length;
console.log(`check-imports: ${graph.size} modules, ${edges} imports, no cycle (${root})`);
