#!/usr/bin/env node
// The `localrec` command: the training side runs in Python (PyTorch, DuckDB), in a venv that this
// script finds or creates (`localrec setup`), then hands the arguments to `python -m training.cli`.
//   localrec setup
//   localrec train --events F --items F --out DIR [--config F]
//   localrec items --model DIR --add new.csv | --remove ids.csv
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const venv = process.env.LOCALREC_VENV ?? join(root, 'training', '.venv');
const python = join(venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
const [cmd, ...rest] = process.argv.slice(2);

function setup() {
  const r = spawnSync('bash', [join(root, 'scripts', 'setup.sh'), '--python'], {
    stdio: 'inherit',
    env: { ...process.env, LOCALREC_VENV: venv },
  });
  return r.status ?? 1;
}

function usage() {
  console.error(
    'usage: localrec setup\n' +
      '       localrec train --events F --items F --out DIR [--config F] [--epochs N] [--no-eval]\n' +
      '       localrec items --model DIR (--add new.csv | --remove ids.csv)\n' +
      'docs: docs/your-data.md',
  );
}

if (cmd === 'setup') process.exit(setup());
if (cmd !== 'train' && cmd !== 'items') {
  usage();
  process.exit(cmd === undefined || cmd === '--help' || cmd === '-h' ? 0 : 2);
}
if (!existsSync(python)) {
  console.error(`localrec: no Python environment at ${venv}; creating it (localrec setup)`);
  const s = setup();
  if (s !== 0) process.exit(s);
}
// relative paths in the arguments stay relative to where the command was started
const r = spawnSync(python, ['-u', '-m', 'training.cli', cmd, ...rest], {
  stdio: 'inherit',
  env: { ...process.env, PYTHONPATH: [root, process.env.PYTHONPATH].filter(Boolean).join(':') },
});
process.exit(r.status ?? 1);
