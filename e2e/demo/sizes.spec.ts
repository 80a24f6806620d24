/**
 * The README's size table is the build's: `npm run build` (the demo project's web server runs it)
 * writes dist/lib/sizes.md, and the README quotes it between its sizes markers. A change that moves
 * a size fails here until `npx tsx demo/postbuild.ts --write-readme` writes the new figures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO } from '../../tests/support/helpers';

test("the README's library sizes are this build's", () => {
  const built = readFileSync(join(REPO, 'dist/lib/sizes.md'), 'utf8').trim();
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const block = /<!-- sizes:begin[^\n]*-->\n\| part \| size \|\n\|---\|---\|\n([\s\S]*?)\n<!-- sizes:end -->/.exec(
    readme,
  );
  expect(block, 'README.md has its sizes block').not.toBeNull();
  expect(block![1]).toBe(built);
});
