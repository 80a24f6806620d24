import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseManifest, sha256Hex, verifyFile } from '../../src/core/manifest';
import { ModelFormatError, ModelIntegrityError } from '../../src/core/errors';
import { FIXTURE, readJSON } from '../support/helpers';

const good = (): Record<string, any> => readJSON(join(FIXTURE, 'manifest.json')) as Record<string, any>;

function expectFormatError(mutate: (m: Record<string, any>) => void, message: RegExp): void {
  const m = good();
  mutate(m);
  let err: unknown;
  try {
    parseManifest(m);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ModelFormatError);
  expect((err as ModelFormatError).code).toBe('model-format');
  expect((err as Error).message).toMatch(message);
}

describe('parseManifest', () => {
  it('accepts the fixture manifest and returns its fields', () => {
    const m = parseManifest(good());
    expect(m.itemCount).toBe(24);
    expect(m.itemTable).toMatchObject({ rows: 25, dim: 24, dtype: 'int8', dataOffset: 0, scaleOffset: 600 });
    expect(m.files.encoder?.path).toBe('encoder.onnx');
    expect(m.content?.buckets).toBe(64);
    expect(m.inputs.withScores).toEqual({ name: 'with_scores', dtype: 'bool', shape: [] });
  });

  it('withScores is optional, a bool scalar, and only with a scores output', () => {
    const m = good();
    delete m.inputs.withScores;
    expect(parseManifest(m).inputs.withScores).toBeUndefined();
    expectFormatError((m) => (m.inputs.withScores.dtype = 'float32'), /inputs\.withScores\.dtype must be one of bool/);
    expectFormatError(
      (m) => (m.inputs.withScores.shape = ['batch']),
      /inputs\.withScores\.shape must be \[\] \(a scalar\)/,
    );
    expectFormatError((m) => {
      delete m.outputs.scores;
      m.itemTable.dtype = 'pq';
    }, /inputs\.withScores a model without a scores output has no withScores input/);
  });

  it('rejects non-objects', () => {
    expect(() => parseManifest(null)).toThrow(ModelFormatError);
    expect(() => parseManifest([])).toThrow(ModelFormatError);
    expect(() => parseManifest('{}')).toThrow(ModelFormatError);
  });

  it('rejects an unknown formatVersion, naming it', () => {
    expectFormatError((m) => (m.formatVersion = 2), /unsupported formatVersion the number 2/);
    expectFormatError((m) => delete m.formatVersion, /unsupported formatVersion undefined/);
  });

  it('names the offending field', () => {
    expectFormatError((m) => (m.format = 'other'), /^manifest: format must be "localrec-model"/);
    expectFormatError((m) => (m.itemCount = '24'), /^manifest: itemCount must be an integer, got the string "24"/);
    expectFormatError((m) => (m.itemCount = 2.5), /itemCount must be an integer/);
    expectFormatError((m) => (m.padId = 1), /padId must be 0/);
    expectFormatError((m) => delete m.inputs.history, /inputs\.history must be an object, got undefined/);
    expectFormatError((m) => (m.inputs.history.dtype = 'int32'), /inputs\.history\.dtype must be one of int64/);
    expectFormatError((m) => (m.files.model.sha256 = 'ABC'), /files\.model\.sha256 must be 64 lowercase hex/);
    expectFormatError((m) => (m.files.catalog.bytes = -1), /files\.catalog\.bytes must be ≥ 0/);
    expectFormatError((m) => (m.files.items.path = '../items.bin'), /files\.items\.path must be relative/);
    expectFormatError(
      (m) => (m.files.items.path = 'https://x.example/items.bin'),
      /files\.items\.path must be relative/,
    );
    expectFormatError((m) => (m.itemTable.rows = 24), /itemTable\.rows must be itemCount \+ 1 = 25/);
    expectFormatError((m) => (m.itemTable.scaleOffset = 602), /scaleOffset must be a multiple of 4/);
    expectFormatError((m) => (m.itemTable.scaleOffset = 500), /overlap/);
    expectFormatError(
      (m) => (m.outputs.scores.shape = ['batch', 24]),
      /outputs\.scores\.shape last dimension must be 25/,
    );
    expectFormatError((m) => (m.content.testVectors[0].features = [1, 99]), /content\.testVectors\[0\]\.features/);
    expectFormatError((m) => delete m.files.encoder, /files\.encoder is required/);
    expectFormatError((m) => (m.files.items.bytes = 10), /files\.items\.bytes is 10, smaller than the item table/);
  });

  it('accepts content null without an encoder', () => {
    const m = good();
    m.content = null;
    delete m.files.encoder;
    const p = parseManifest(m);
    expect(p.content).toBeNull();
    expect(p.files.encoder).toBeUndefined();
  });
});

describe('integrity', () => {
  it('sha256Hex matches node:crypto', async () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 31) & 255);
    expect(await sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await sha256Hex(bytes.buffer)).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // a view into a larger buffer hashes only its own bytes
    expect(await sha256Hex(bytes.subarray(10, 20))).toBe(
      createHash('sha256').update(bytes.subarray(10, 20)).digest('hex'),
    );
  });

  it('verifyFile accepts the fixture files and refuses a flipped byte or a wrong size', async () => {
    const m = parseManifest(good());
    for (const entry of Object.values(m.files)) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURE, entry!.path)));
      await expect(verifyFile(entry!, bytes)).resolves.toBeUndefined();
      const flipped = bytes.slice();
      const mid = flipped.length >> 1;
      flipped[mid] = flipped[mid]! ^ 0x01;
      const err = await verifyFile(entry!, flipped).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelIntegrityError);
      expect((err as ModelIntegrityError).file).toBe(entry!.path);
      expect((err as Error).message).toMatch(/sha256/);
      const short = await verifyFile(entry!, bytes.subarray(0, bytes.length - 1)).catch((e: unknown) => e);
      expect(short).toBeInstanceOf(ModelIntegrityError);
      expect((short as Error).message).toMatch(/size/);
    }
  });
});
