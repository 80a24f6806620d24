import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSources, parseImports, readSources } from '../../scripts/check-imports';
import { REPO } from '../support/helpers';

/** A tree that follows every rule. */
const CLEAN: Record<string, string> = {
  'src/types.ts': 'export interface Item { id: string }\n',
  'src/core/rank.ts': "import type { Item } from '../types';\nimport { rng } from './random';\nexport const r = rng;\n",
  'src/core/random.ts': 'export const rng = 1;\n',
  'src/engine/recommender.ts': [
    "import { r } from '../core/rank';",
    "import type { Item } from '../types';",
    "import { store } from './store';",
    '// the window of the page is not touched here: document.title in a comment',
    "const keys = new Set(['window', 'document']);",
    'const opts = { window: 5 };',
    'export const x = opts.window + keys.size + r + store;',
    "export const w = () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });",
    '',
  ].join('\n'),
  'src/engine/store.ts': 'export const store = 1;\n',
  'src/engine/worker.ts': "self.onmessage = () => undefined;\nexport const isPage = typeof window !== 'undefined';\n",
  'src/engine/worker-client.ts': 'export const inDom = typeof document;\n',
  'src/index.ts': "export { x } from './engine/recommender';\nexport type { Item } from './types';\n",
  'src/widget/index.ts': "export * from '../index';\nimport { h } from './dom';\nexport const el = h;\n",
  'src/widget/dom.ts': 'export const h = (): HTMLElement => document.createElement("div");\n',
  'bench/bench.ts': "import { r } from '../src/core/rank';\nimport { launch } from '../tests/support/browser';\n",
  'tests/support/browser.ts': 'export const launch = {};\n',
  'e2e/engine/a.spec.ts': "import { launch } from '../../tests/support/browser';\n",
};

function check(overrides: Record<string, string>) {
  return checkSources(new Map(Object.entries({ ...CLEAN, ...overrides })));
}

/** The single violation of a tree that breaks one rule. */
function only(overrides: Record<string, string>) {
  const v = check(overrides);
  expect(v).toHaveLength(1);
  return v[0]!;
}

describe('check-imports rules', () => {
  it('passes a tree that follows the layers', () => {
    expect(check({})).toEqual([]);
  });

  it('flags src/core importing the engine, the widget, or non-type code of src/types.ts', () => {
    const v = only({
      'src/core/random.ts': "\n\nimport { store } from '../engine/store';\nexport const rng = store;\n",
    });
    expect(v).toMatchObject({ file: 'src/core/random.ts', line: 3 });
    expect(v.rule).toMatch(/src\/core imports only src\/core.*imports src\/engine\/store\.ts/);
    expect(only({ 'src/core/random.ts': "import { h } from '../widget/dom';\n" }).rule).toMatch(/src\/widget\/dom\.ts/);
    expect(only({ 'src/core/random.ts': "import { Item } from '../types';\n" }).rule).toMatch(/src\/types\.ts/);
    expect(check({ 'src/core/random.ts': "import { type Item } from '../types';\n" })).toEqual([]);
  });

  it('flags the engine importing the widget', () => {
    const v = only({ 'src/engine/store.ts': "import { h } from '../widget/dom';\nexport const store = h;\n" });
    expect(v).toMatchObject({ file: 'src/engine/store.ts', line: 1 });
    expect(v.rule).toMatch(/engine imports only .*never the widget/);
  });

  it('flags DOM globals in the engine outside its Worker glue, not in comments, strings or property names', () => {
    const v = check({
      'src/engine/store.ts': [
        'export const store = 1;',
        'const title = document.title;',
        'export function mount(el: HTMLElement): void {}',
        'const w = window;',
        'const n: Node | Element | ShadowRoot | null = null;',
        "customElements.define('x-y', class {});",
      ].join('\n'),
    });
    expect(v.map((x) => `${x.line} ${x.rule.match(/\(uses (\w+)\)/)![1]}`)).toEqual([
      '2 document',
      '3 HTMLElement',
      '4 window',
      '5 Node',
      '5 Element',
      '5 ShadowRoot',
      '6 customElements',
    ]);
    expect(v.every((x) => x.rule.startsWith('the engine uses DOM globals only in its Worker glue'))).toBe(true);
  });

  it('flags the widget importing anything but the public entry', () => {
    const v = only({ 'src/widget/dom.ts': "import { store } from '../engine/store';\nexport const h = store;\n" });
    expect(v.rule).toMatch(/widget imports only the engine's public entry.*src\/engine\/store\.ts/);
    expect(only({ 'src/widget/dom.ts': "import { r } from '../core/rank';\nexport const h = r;\n" }).rule).toMatch(
      /src\/core\/rank\.ts/,
    );
  });

  it('flags the entry importing the widget', () => {
    const v = only({ 'src/index.ts': "export { x } from './engine/recommender';\nexport * from './widget/index';\n" });
    expect(v).toMatchObject({ file: 'src/index.ts', line: 2 });
    expect(v.rule).toMatch(/src\/index\.ts does not import the widget/);
  });

  it('flags src/ importing tooling or test code, in every import form', () => {
    const forms = [
      "import { a } from '../bench/lib/x';",
      "import '../eval/lib/x';",
      "const m = await import('../e2e/engine/x');",
      "export { b } from '../tests/support/x';",
      "const u = new URL('../build/x.ts', import.meta.url);",
      "export * from '../scripts/x';",
    ];
    // src/types.ts: no layer allow-list applies to it, only this rule
    const v = check({ 'src/types.ts': `export interface Item { id: string }\n${forms.join('\n')}\n` });
    expect(v.map((x) => x.line)).toEqual([2, 3, 4, 5, 6, 7]);
    for (const x of v) expect(x.rule).toMatch(/src\/ imports no tooling or test code/);
    expect(v.every((x) => x.file === 'src/types.ts')).toBe(true);
  });

  it('flags src/ importing Node built-ins or build and test tools, except in its own unit tests', () => {
    const v = check({
      'src/engine/store.ts':
        "import { readFileSync } from 'node:fs';\nimport { build } from 'vite';\nexport const store = 1;\n",
    });
    expect(v.map((x) => [x.line, x.rule.match(/\(imports (.+)\)$/)![1]])).toEqual([
      [1, 'node:fs'],
      [2, 'vite'],
    ]);
    expect(
      check({ 'src/widget/format.test.ts': "import { it } from 'vitest';\nimport { h } from './dom';\n" }),
    ).toEqual([]);
    expect(
      check({ 'src/engine/store.ts': "import * as ort from 'onnxruntime-web/webgpu';\nexport const store = ort;\n" }),
    ).toEqual([]);
  });

  it('flags bench/ importing e2e/ or playwright.config, and e2e/ importing unit or engine tests', () => {
    expect(only({ 'bench/bench.ts': "import { h } from '../e2e/engine/models';\n" }).rule).toMatch(/bench\/ imports/);
    expect(only({ 'bench/bench.ts': "import { chromium } from '../playwright.config';\n" }).rule).toMatch(
      /playwright\.config\.ts/,
    );
    expect(only({ 'e2e/engine/a.spec.ts': "import { rng } from '../../tests/unit/helpers';\n" }).rule).toMatch(
      /e2e\/ imports no unit or engine test code/,
    );
  });

  it('reads multi-line and type-only imports, and skips imports inside comments', () => {
    const refs = parseImports(
      [
        'import {',
        '  a,',
        '  b,',
        "} from './ab';",
        "import type { T } from './t';",
        "import { type U, type V } from './uv';",
        "// import { c } from './c';",
        "/* import('./d') */",
        'const s = "import { e } from \'./e\'";',
      ].join('\n'),
    );
    expect(refs.map((r) => [r.specifier, r.line, r.typeOnly])).toEqual([
      ['./ab', 1, false],
      ['./t', 5, true],
      ['./uv', 6, true],
    ]);
  });
});

describe('check-imports command', () => {
  const root = mkdtempSync(join(tmpdir(), 'localrec-imports-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  };
  const run = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(
      join(REPO, 'node_modules/.bin/tsx'),
      [join(REPO, 'scripts/check-imports.ts'), '--root', root, ...args],
      {
        env: { ...process.env, LOCALREC_IMPORTS_REPORT_ONLY: '', ...env },
      },
    );

  it('reads a checkout from disk, prints file:line: rule and exits 1 on a violation', async () => {
    write(CLEAN);
    expect(readSources(root).size).toBe(Object.keys(CLEAN).length);
    const ok = await run([]);
    expect(ok.stdout).toMatch(/0 violations/);
    write({ 'src/widget/dom.ts': "import { store } from '../engine/store';\nexport const h = store;\n" });
    const err = (await run([]).catch((e: { code: number; stdout: string }) => e)) as { code: number; stdout: string };
    expect(err.code).toBe(1);
    expect(err.stdout).toMatch(/^src\/widget\/dom\.ts:1: the widget imports only/m);
    // --report-only, or the variable, prints the same and does not fail
    expect((await run(['--report-only'])).stdout).toMatch(/src\/widget\/dom\.ts:1: .*report only/s);
    expect((await run([], { LOCALREC_IMPORTS_REPORT_ONLY: '1' })).stdout).toMatch(/1 violation \(report only/);
  });
});
