/**
 * The import graph of the library (every `.ts` under `src/` and `decorators/`, and the root `index.ts`), read with
 * the TypeScript compiler's `preProcessFile` (imports, re-exports, `require` and `import()`; type-only imports
 * included): no cycles, and the layering of the folders.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ts from 'typescript';
import { ROOT, librarySources } from '../helpers/source-files';

/** Resolves a relative specifier from `from` the way the compiler does for this project (`.ts`, `/index.ts`, `.json`). */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) {
    if (/\.(ts|json)$/.test(candidate) && existsSync(join(ROOT, candidate))) return candidate;
  }
  return undefined;
}

interface Graph {
  /** file → the library files it imports. */
  readonly edges: ReadonlyMap<string, readonly string[]>;
  /** `file: specifier` of relative imports that resolve to no file. */
  readonly unresolved: readonly string[];
}

/** Reads every file's imports. */
function importGraph(files: readonly string[]): Graph {
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
    const targets: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue; // a package
      const target = resolveRelative(file, fileName);
      if (target === undefined) unresolved.push(`${file}: ${fileName}`);
      else if (!targets.includes(target)) targets.push(target);
    }
    edges.set(file, targets);
  }
  return { edges, unresolved };
}

/** The import cycles of a graph, one per strongly connected component, each as `a → b → … → a`. */
function cycles(edges: ReadonlyMap<string, readonly string[]>): string[] {
  // Tarjan's strongly connected components
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  // within each component, a shortest path from its first file back to itself names the files of one cycle
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0];
    const previous = new Map<string, string>();
    const queue = [start];
    let closing: string | undefined;
    while (queue.length > 0 && closing === undefined) {
      const v = queue.shift()!;
      for (const w of edges.get(v) ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          closing = v;
          break;
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [start];
    for (let v = closing!; v !== start; v = previous.get(v)!) path.splice(1, 0, v);
    return `${[...path, start].join(' → ')} (strongly connected: ${[...component].sort().join(', ')})`;
  });
}

/** A layering rule: files under `files` import, of the library, only `only` (when given) and none of `never`. */
interface Rule {
  readonly name: string;
  readonly files: string;
  readonly only?: readonly string[];
  readonly never?: readonly string[];
}

const RULES: readonly Rule[] = [
  { name: 'decorators/ import only src/policy/', files: 'decorators/', only: ['decorators/', 'src/policy/'] },
  { name: 'src/providers/ import nothing of runtime, limits, retry, policy, observability', files: 'src/providers/', never: ['src/runtime/', 'src/limits/', 'src/retry/', 'src/policy/', 'src/observability/'] },
  { name: 'src/tokens/ import nothing of runtime, limits, retry, policy, observability', files: 'src/tokens/', never: ['src/runtime/', 'src/limits/', 'src/retry/', 'src/policy/', 'src/observability/'] },
  { name: 'src/limits/ import nothing of retry, runtime, policy, observability', files: 'src/limits/', never: ['src/retry/', 'src/runtime/', 'src/policy/', 'src/observability/'] },
  { name: 'src/retry/ import nothing of runtime, policy, limits, observability', files: 'src/retry/', never: ['src/runtime/', 'src/policy/', 'src/limits/', 'src/observability/'] },
  { name: 'src/policy/ import nothing of runtime, observability', files: 'src/policy/', never: ['src/runtime/', 'src/observability/'] },
  { name: 'src/ imports nothing of decorators/', files: 'src/', never: ['decorators/'] },
];

/** The imports that break a rule, as `file → imported file`. */
function violations(edges: ReadonlyMap<string, readonly string[]>, rule: Rule): string[] {
  const out: string[] = [];
  for (const [file, targets] of edges) {
    if (!file.startsWith(rule.files)) continue;
    for (const target of targets) {
      const allowed = rule.only === undefined || rule.only.some((folder) => target.startsWith(folder));
      const forbidden = (rule.never ?? []).some((folder) => target.startsWith(folder));
      if (!allowed || forbidden) out.push(`${file} → ${target}`);
    }
  }
  return out.sort();
}

const files = [...librarySources(), 'index.ts'];
const graph = importGraph(files);

describe('architecture: the import graph', () => {
  it('reads every library file and resolves every relative import, type-only ones included', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files).toContain('index.ts');
    expect(files.some((f) => f.startsWith('decorators/'))).toBe(true);
    expect(graph.unresolved).toEqual([]);
    // `import type { RandomSource } from '../clock'` is the only import of backoff.ts: type-only imports are edges
    expect(readFileSync(join(ROOT, 'src/retry/backoff.ts'), 'utf8')).toMatch(/import type \{[^}]*\} from '\.\.\/clock'/);
    expect(graph.edges.get('src/retry/backoff.ts')).toEqual(['src/clock.ts']);
    expect(graph.edges.get('index.ts')).toEqual(expect.arrayContaining(['decorators/index.ts', 'src/index.ts']));
  });

  it('has no import cycles (type-only imports included)', () => {
    expect(cycles(graph.edges)).toEqual([]);
  });

  it.each(RULES.map((rule) => [rule.name, rule]))('layering: %s', (_name, rule) => {
    expect(violations(graph.edges, rule)).toEqual([]);
  });

  it('the runtime (src/) never imports a decorator', () => {
    const srcFiles = files.filter((f) => f.startsWith('src/'));
    expect(srcFiles.length).toBeGreaterThan(10);
    const offenders = srcFiles.filter((f) => (graph.edges.get(f) ?? []).some((target) => target.startsWith('decorators/')));
    expect(offenders).toEqual([]);
  });

  describe('the checks themselves', () => {
    it('find a cycle and name its files, shortest way round', () => {
      const edges = new Map<string, string[]>([
        ['a.ts', ['b.ts']],
        ['b.ts', ['c.ts', 'd.ts']],
        ['c.ts', ['a.ts']],
        ['d.ts', []],
        ['e.ts', ['e.ts']],
      ]);
      expect(cycles(edges)).toEqual(['a.ts → b.ts → c.ts → a.ts (strongly connected: a.ts, b.ts, c.ts)', 'e.ts → e.ts (strongly connected: e.ts)']);
      expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
    });

    it('report an import that breaks a rule', () => {
      const edges = new Map<string, string[]>([
        ['src/retry/x.ts', ['src/clock.ts', 'src/limits/store.ts']],
        ['decorators/y.ts', ['src/policy/options.ts', 'src/runtime/configure.ts']],
      ]);
      expect(violations(edges, RULES.find((r) => r.files === 'src/retry/')!)).toEqual(['src/retry/x.ts → src/limits/store.ts']);
      expect(violations(edges, RULES.find((r) => r.files === 'decorators/')!)).toEqual(['decorators/y.ts → src/runtime/configure.ts']);
    });
  });
});
