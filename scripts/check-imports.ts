/**
 * Import-direction check: each folder imports only the layers below it, and the engine touches
 * the DOM only in its Worker glue.
 *
 *   npx tsx scripts/check-imports.ts [--report-only] [--root DIR]
 *
 * Prints each violation as `file:line: rule` and exits 1 when there is any; `--report-only` (or
 * LOCALREC_IMPORTS_REPORT_ONLY=1) prints them and exits 0. `--root` checks another checkout
 * (default: this repository).
 *
 * Imports are read with regular expressions over the source with its comments blanked:
 * `import … from '…'`, `import '…'`, `export … from '…'`, `import('…')` and
 * `new URL('…', import.meta.url)` (which also covers `new Worker(new URL(…))`). Relative
 * specifiers are resolved against the importing file; package names are left alone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A pattern is a repository path: ending in `/` it means everything under that folder, starting
 * with `*` every file whose name ends so (`*.test.ts`), otherwise one file.
 */
export interface ImportRule {
  /** printed with each violation */
  name: string;
  /** the files the rule applies to */
  from: string[];
  /** files under `from` the rule leaves alone */
  except?: string[];
  /** when given, the only targets these files may import */
  allow?: string[];
  /** targets allowed to type-only imports (`import type`, `export type`) on top of `allow` */
  allowTypes?: string[];
  /** targets these files may never import */
  deny?: string[];
  /** packages these files may never import: a name (and its subpaths), or a prefix ending in `:` */
  denyPackages?: string[];
}

export interface DomRule {
  name: string;
  from: string[];
  /** the Worker glue: the files that may use DOM globals (extend this list as the engine grows) */
  except: string[];
  identifiers: string[];
}

export const IMPORT_RULES: ImportRule[] = [
  {
    name: 'src/core imports only src/core (and types from src/types.ts)',
    from: ['src/core/'],
    allow: ['src/core/'],
    allowTypes: ['src/types.ts'],
  },
  {
    name: 'the engine imports only src/core, src/types.ts and src/engine, never the widget',
    from: ['src/engine/'],
    allow: ['src/core/', 'src/types.ts', 'src/engine/'],
  },
  {
    name: "the widget imports only the engine's public entry src/index.ts and src/widget",
    from: ['src/widget/'],
    allow: ['src/index.ts', 'src/widget/'],
  },
  {
    name: 'the engine entry src/index.ts does not import the widget',
    from: ['src/index.ts'],
    deny: ['src/widget/'],
  },
  {
    name: 'src/ imports no tooling or test code (bench, eval, e2e, tests, build, scripts)',
    from: ['src/'],
    deny: ['bench/', 'eval/', 'e2e/', 'tests/', 'build/', 'scripts/'],
  },
  {
    name: 'src/ imports no Node built-ins, build or test tools (the engine and widget run in the browser)',
    from: ['src/'],
    except: ['*.test.ts'],
    denyPackages: ['node:', 'vite', 'vitest', '@playwright/test', 'playwright-core', 'onnxruntime-node'],
  },
  {
    name: 'bench/ imports neither e2e/ nor playwright.config.ts (shared helpers live in tests/support)',
    from: ['bench/'],
    deny: ['e2e/', 'playwright.config.ts'],
  },
  {
    name: 'e2e/ imports no unit or engine test code (shared helpers live in tests/support)',
    from: ['e2e/'],
    deny: ['tests/unit/', 'tests/engine/'],
  },
];

export const DOM_RULES: DomRule[] = [
  {
    name: 'the engine uses DOM globals only in its Worker glue',
    from: ['src/engine/'],
    except: ['src/engine/worker.ts', 'src/engine/worker-client.ts'],
    identifiers: ['document', 'window', 'HTMLElement', 'customElements', 'ShadowRoot', 'Element', 'Node'],
  },
];

/** The folders and root files the command-line run reads. */
export const SCANNED = ['src', 'bench', 'eval', 'e2e', 'tests', 'build', 'scripts', 'demo'];
const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'fixtures', '.cache', '.venv']);

export interface Violation {
  file: string;
  line: number;
  rule: string;
}

export interface ImportRef {
  specifier: string;
  line: number;
  typeOnly: boolean;
}

/** A pattern (see ImportRule) matches `path`. */
export function matches(path: string, patterns: readonly string[]): boolean {
  return patterns.some((p) =>
    p.endsWith('/') ? path.startsWith(p) : p.startsWith('*') ? path.endsWith(p.slice(1)) : path === p,
  );
}

/**
 * Two views of `text` with the same length and line breaks: `code` without comments, and `bare`
 * without comments nor the contents of strings, templates and regular expressions.
 */
export function blank(text: string): { code: string; bare: string } {
  const code = text.split('');
  const bare = text.split('');
  const wipe = (a: string[], from: number, to: number) => {
    for (let k = from; k < to; k++) if (a[k] !== '\n') a[k] = ' ';
  };
  let i = 0;
  let last = ''; // the last significant character of code, to tell a regex literal from a division
  while (i < text.length) {
    const c = text[i]!;
    const n = text[i + 1];
    if (c === '/' && n === '/') {
      const end = text.indexOf('\n', i);
      const to = end < 0 ? text.length : end;
      wipe(code, i, to);
      wipe(bare, i, to);
      i = to;
    } else if (c === '/' && n === '*') {
      const end = text.indexOf('*/', i + 2);
      const to = end < 0 ? text.length : end + 2;
      wipe(code, i, to);
      wipe(bare, i, to);
      i = to;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      wipe(bare, i + 1, j);
      i = j + 1;
      last = c;
    } else if (c === '/' && (last === '' || '(,=:[!&|?{};+-*%<>~^'.includes(last))) {
      let j = i + 1;
      let inClass = false;
      while (j < text.length && text[j] !== '\n' && (inClass || text[j] !== '/')) {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') inClass = true;
        else if (text[j] === ']') inClass = false;
        j++;
      }
      wipe(bare, i + 1, j);
      i = j + 1;
      last = '/';
    } else {
      if (!/\s/.test(c)) last = c;
      i++;
    }
  }
  return { code: code.join(''), bare: bare.join('') };
}

const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** The imports of one source file (comments ignored), with their line numbers. */
export function parseImports(text: string): ImportRef[] {
  const { code, bare } = blank(text);
  const out: ImportRef[] = [];
  const patterns: [RegExp, (m: RegExpExecArray) => boolean][] = [
    // import … from '…' / export … from '…' (the clause may span lines)
    [
      /\b(import|export)\s+(type\s+)?([\w*{}\s,$]*?)\s*from\s*(['"])([^'"]+)\4/g,
      (m) => Boolean(m[2]) || (/^\{[^}]*\}$/.test(m[3]!.trim()) && allTypes(m[3]!)),
    ],
    // import '…' (side effects only)
    [/\bimport\s*(['"])([^'"]+)\1/g, () => false],
    // import('…')
    [/\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g, () => false],
    // new URL('…', import.meta.url), also inside new Worker(…)
    [/\bnew\s+URL\s*\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g, () => false],
  ];
  for (const [re, typeOnly] of patterns) {
    for (let m = re.exec(code); m; m = re.exec(code)) {
      if (bare[m.index] !== code[m.index]) continue; // inside a string
      const specifier = m[m.length - 1]!;
      out.push({ specifier, line: lineAt(code, m.index), typeOnly: typeOnly(m) });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** A package specifier is one of `patterns` (a name and its subpaths, or a prefix ending in `:`). */
export function matchesPackage(specifier: string, patterns: readonly string[]): boolean {
  return patterns.some((p) =>
    p.endsWith(':') ? specifier.startsWith(p) : specifier === p || specifier.startsWith(`${p}/`),
  );
}

/** `{ type A, type B }`: every named binding is a type. */
function allTypes(clause: string): boolean {
  const names = clause
    .replace(/[{}]/g, '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((s) => s.startsWith('type '));
}

/** The repository path a relative specifier of `file` points at (`null` for a package). */
export function resolveSpecifier(file: string, specifier: string, exists: (path: string) => boolean): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = posix.normalize(posix.join(posix.dirname(file), specifier.split('?')[0]!));
  const stem = base.replace(/\.(js|mjs)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${base}.js`, `${base}/index.ts`];
  // a file outside the scanned sources (playwright.config, a JSON file): its own name, `.ts` when it names no file type
  return (
    candidates.find(exists) ?? (/\.(m?[jt]sx?|json|css|html|wasm|onnx|bin|svg|png)$/.test(base) ? base : `${base}.ts`)
  );
}

/** Every rule's violations over `sources` (repository path → text). */
export function checkSources(
  sources: ReadonlyMap<string, string>,
  rules: { imports?: ImportRule[]; dom?: DomRule[] } = {},
): Violation[] {
  const importRules = rules.imports ?? IMPORT_RULES;
  const domRules = rules.dom ?? DOM_RULES;
  const exists = (p: string) => sources.has(p);
  const out: Violation[] = [];
  for (const [file, text] of sources) {
    const applying = importRules.filter((r) => matches(file, r.from) && !matches(file, r.except ?? []));
    if (applying.length) {
      for (const ref of parseImports(text)) {
        const target = resolveSpecifier(file, ref.specifier, exists);
        if (target === null) {
          for (const r of applying) {
            if (matchesPackage(ref.specifier, r.denyPackages ?? [])) {
              out.push({ file, line: ref.line, rule: `${r.name} (imports ${ref.specifier})` });
            }
          }
          continue;
        }
        for (const r of applying) {
          const allowed =
            (r.allow === undefined ||
              matches(target, r.allow) ||
              (ref.typeOnly && matches(target, r.allowTypes ?? []))) &&
            !matches(target, r.deny ?? []);
          if (!allowed) out.push({ file, line: ref.line, rule: `${r.name} (imports ${target})` });
        }
      }
    }
    for (const r of domRules) {
      if (!matches(file, r.from) || matches(file, r.except)) continue;
      const { bare } = blank(text);
      const re = new RegExp(`(?<![\\w$.])(${r.identifiers.join('|')})(?![\\w$])(?!\\s*:(?!:))`, 'g');
      for (let m = re.exec(bare); m; m = re.exec(bare)) {
        out.push({ file, line: lineAt(bare, m.index), rule: `${r.name} (uses ${m[1]})` });
      }
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** The source files of `root` under the scanned folders, plus its root-level *.ts files. */
export function readSources(root: string, folders: readonly string[] = SCANNED): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = resolve(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(path);
      } else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) {
        out.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
      }
    }
  };
  for (const f of folders) {
    const dir = resolve(root, f);
    if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir);
  }
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (e.isFile() && SOURCE.test(e.name)) out.set(e.name, readFileSync(resolve(root, e.name), 'utf8'));
  }
  return out;
}

function main(): void {
  const at = process.argv.indexOf('--root');
  const root = at > 0 ? resolve(process.argv[at + 1] ?? '.') : resolve(fileURLToPath(new URL('..', import.meta.url)));
  const reportOnly = process.argv.includes('--report-only') || process.env.LOCALREC_IMPORTS_REPORT_ONLY === '1';
  const sources = readSources(root);
  const violations = checkSources(sources);
  for (const v of violations) console.log(`${v.file}:${v.line}: ${v.rule}`);
  const summary = `check-imports: ${sources.size} files, ${violations.length} violation${violations.length === 1 ? '' : 's'}`;
  if (violations.length && reportOnly) {
    console.log(`${summary} (report only: not failing)`);
    return;
  }
  console.log(summary);
  if (violations.length) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
