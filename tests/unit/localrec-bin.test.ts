import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// bin/localrec.mjs: the package's command, which hands over to `python -m training.cli`
const bin = join(process.cwd(), 'bin', 'localrec.mjs');
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('localrec command', () => {
  it('prints its usage for no command and refuses an unknown one', () => {
    expect(run([]).status).toBe(0);
    expect(run([]).stderr).toMatch(/localrec train --events F --items F --out DIR/);
    expect(run(['fly']).status).toBe(2);
  });

  it('ends bad input with one typed line and exit code 2, no traceback', () => {
    const d = mkdtempSync(join(tmpdir(), 'localrec-bin-'));
    writeFileSync(join(d, 'items.csv'), 'item_id,title\na,x\nb,y\n');
    writeFileSync(join(d, 'events.csv'), 'user_id,item_id\nu,a\n');
    const r = run([
      'train',
      '--events',
      join(d, 'events.csv'),
      '--items',
      join(d, 'items.csv'),
      '--out',
      join(d, 'out'),
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/Traceback/);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('localrec:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^localrec: error: .*events\.csv, column 'timestamp': missing/);
  });
});
