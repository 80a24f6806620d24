/**
 * Model loading: manifest.json, then every file with progress events, each verified (size and
 * sha256, Web Crypto) against the manifest before anything uses it. Verified files are kept in
 * Cache Storage keyed by URL + sha256, so a second visit works offline; a cached copy is
 * re-verified on every load and, when it got corrupted, dropped and fetched again.
 */
import { ModelIntegrityError, ModelLoadError } from '../core/errors';
import { messageOf } from '../core/message';
import { isBinaryCatalog } from '../core/catalog';
import { parseManifest, verifyFile } from '../core/manifest';
import type { FileEntry, ModelManifest } from '../core/manifest-types';
import type { LoadProgress } from '../types';

export const MODEL_CACHE = 'localrec-models-v1';

export type FetchFn = (url: string, init?: RequestInit) => Promise<Response>;

/** How long a download may go without receiving a byte before it is abandoned (ms). */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

export interface LoadOptions {
  fetch?: FetchFn;
  /** a file that receives nothing for this long (ms) is abandoned with ModelLoadError (default 30 s) */
  stallTimeoutMs?: number;
  /** Cache Storage to use (default `globalThis.caches`; null disables caching) */
  caches?: CacheStorage | null;
  onProgress?: (p: LoadProgress) => void;
}

export interface LoadedModel {
  baseUrl: string;
  manifest: ModelManifest;
  model: Uint8Array;
  items: Uint8Array;
  /** parsed catalog.json, or the bytes of a binary catalogue (read in place by Catalog.fromBytes) */
  catalog: unknown;
  encoder?: Uint8Array;
  /** which files came from the cache */
  fromCache: Record<string, boolean>;
}

/** `base` with a trailing slash, resolved against the page. */
export function normalizeBase(base: string): string {
  const withSlash = base.endsWith('/') ? base : `${base}/`;
  const loc = (globalThis as { location?: { href: string } }).location?.href;
  try {
    return loc ? new URL(withSlash, loc).href : withSlash;
  } catch {
    return withSlash;
  }
}

function join(base: string, path: string): string {
  try {
    return new URL(path, base).href;
  } catch {
    return base + path;
  }
}

/** Cache Storage refused a write (quota, private mode): the model still works, only not offline. */
function notCached(err: unknown): void {
  console.warn('localrec: the model could not be kept for offline use', err);
}

/** Cache Storage could not be read: the file is fetched from the network instead. */
function notReadFromCache(err: unknown): undefined {
  console.debug('localrec: the model cache could not be read', err);
  return undefined;
}

function cacheKey(url: string, sha256: string): string {
  return `${url}#sha256=${sha256.toLowerCase()}`;
}

/**
 * Abandons a download that receives nothing for `ms`: `signal` aborts the fetch and the body read,
 * `kick()` marks progress, `failure()` tells whether the stall was the reason.
 */
function stallGuard(ms: number, url: string) {
  const ctl = new AbortController();
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const kick = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      ctl.abort();
    }, ms);
  };
  kick();
  return {
    signal: ctl.signal,
    kick,
    stop: () => clearTimeout(timer),
    failure: (): ModelLoadError | null =>
      stalled ? new ModelLoadError(`${url}: the download stalled (nothing received for ${ms / 1000} s)`) : null,
  };
}

/** `fetchFn` for one URL with a stall guard, the body read through `read` with the guard kicked per chunk. */
async function guardedFetch<T>(
  fetchFn: FetchFn,
  url: string,
  init: RequestInit,
  stallMs: number,
  read: (res: Response, kick: () => void) => Promise<T>,
): Promise<T> {
  const guard = stallGuard(stallMs, url);
  try {
    const res = await fetchFn(url, { ...init, signal: guard.signal });
    return await read(res, guard.kick);
  } catch (e) {
    throw guard.failure() ?? e;
  } finally {
    guard.stop();
  }
}

export async function loadModel(base: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const fetchFn: FetchFn = opts.fetch ?? ((u, i) => globalThis.fetch(u, i));
  const stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const baseUrl = normalizeBase(base);
  const manifestUrl = join(baseUrl, 'manifest.json');

  let manifestJson: unknown;
  let manifestFromNetwork = true;
  let cache: Cache | null = null;
  const cs = opts.caches === undefined ? ((globalThis as { caches?: CacheStorage }).caches ?? null) : opts.caches;
  if (cs) {
    try {
      cache = await cs.open(MODEL_CACHE);
    } catch {
      cache = null; // opaque origins, disabled storage
    }
  }
  try {
    manifestJson = await guardedFetch(fetchFn, manifestUrl, { cache: 'no-cache' }, stallMs, async (res) => {
      if (!res.ok) throw new ModelLoadError(`${manifestUrl}: HTTP ${res.status}`);
      return res.json();
    });
    if (cache) await cache.put(manifestUrl, new Response(JSON.stringify(manifestJson))).catch(notCached);
  } catch (e) {
    // offline: the last manifest we saw
    const cached = cache ? await cache.match(manifestUrl).catch(notReadFromCache) : undefined;
    if (!cached) {
      if (e instanceof ModelLoadError) throw e;
      throw new ModelLoadError(`${manifestUrl}: ${messageOf(e)}`, { cause: e });
    }
    manifestJson = await cached.json();
    manifestFromNetwork = false;
  }
  const manifest = parseManifest(manifestJson);

  const entries: [string, FileEntry][] = [
    ['model', manifest.files.model],
    ['items', manifest.files.items],
    ['catalog', manifest.files.catalog],
  ];
  if (manifest.files.encoder) entries.push(['encoder', manifest.files.encoder]);
  const total = entries.reduce((s, [, e]) => s + e.bytes, 0);
  const loadedBy = new Map<string, number>();
  const report = (file: string, loaded: number, fileTotal: number, fromCache: boolean): void => {
    loadedBy.set(file, loaded);
    let sum = 0;
    for (const v of loadedBy.values()) sum += v;
    opts.onProgress?.({
      file,
      loaded,
      total: fileTotal,
      fraction: total > 0 ? Math.min(1, sum / total) : 1,
      fromCache,
    });
  };

  const fromCache: Record<string, boolean> = { manifest: !manifestFromNetwork };
  const bytes: Record<string, Uint8Array> = {};
  // all files at once: reading one from the cache (or the network) overlaps hashing another
  // (measured by `npm run bench:profile -- --startup --model synthetic-1m`, docs/benchmarks.md)
  await Promise.all(
    entries.map(async ([key, entry]) => {
      const url = join(baseUrl, entry.path);
      const r = await loadFile(url, entry, cache, fetchFn, stallMs, (loaded, fc) =>
        report(entry.path, loaded, entry.bytes, fc),
      );
      bytes[key] = r.bytes;
      fromCache[key] = r.fromCache;
    }),
  );

  let catalog: unknown = bytes.catalog!;
  if (!isBinaryCatalog(bytes.catalog!)) {
    try {
      catalog = JSON.parse(new TextDecoder().decode(bytes.catalog));
    } catch (e) {
      throw new ModelLoadError(`${manifest.files.catalog.path}: neither JSON nor a binary catalogue`, { cause: e });
    }
  }
  const out: LoadedModel = {
    baseUrl,
    manifest,
    model: bytes.model!,
    items: bytes.items!,
    catalog,
    fromCache,
  };
  if (bytes.encoder) out.encoder = bytes.encoder;
  return out;
}

async function loadFile(
  url: string,
  entry: FileEntry,
  cache: Cache | null,
  fetchFn: FetchFn,
  stallMs: number,
  progress: (loaded: number, fromCache: boolean) => void,
): Promise<{ bytes: Uint8Array; fromCache: boolean }> {
  const key = cacheKey(url, entry.sha256);
  if (cache) {
    const hit = await cache.match(key).catch(notReadFromCache);
    if (hit) {
      const b = new Uint8Array(await hit.arrayBuffer());
      try {
        await verifyFile(entry, b);
        progress(b.byteLength, true);
        return { bytes: b, fromCache: true };
      } catch (e) {
        if (!(e instanceof ModelIntegrityError)) throw e;
        // corrupted cache entry: drop it and fetch again
        await cache.delete(key).catch(notCached);
      }
    }
  }
  let b: Uint8Array;
  try {
    b = await guardedFetch(fetchFn, url, {}, stallMs, async (res, kick) => {
      if (!res.ok) throw new ModelLoadError(`${url}: HTTP ${res.status}`);
      return readWithProgress(res, entry.bytes, (n) => {
        kick();
        progress(n, false);
      });
    });
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    throw new ModelLoadError(`${url}: ${messageOf(e)}`, { cause: e });
  }
  await verifyFile(entry, b); // throws ModelIntegrityError
  if (cache) {
    await cache
      .put(key, new Response(b as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }))
      .catch(notCached);
  }
  return { bytes: b, fromCache: false };
}

async function readWithProgress(
  res: Response,
  expected: number,
  progress: (loaded: number) => void,
): Promise<Uint8Array> {
  if (!res.body) {
    const b = new Uint8Array(await res.arrayBuffer());
    progress(b.byteLength);
    return b;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  // the manifest's size (bounded by parseManifest) is the buffer's: one allocation, no copies
  let buf: Uint8Array | null = expected > 0 ? new Uint8Array(expected) : null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (buf && loaded + value.byteLength <= buf.byteLength) buf.set(value, loaded);
    else {
      if (buf) {
        chunks.push(buf.subarray(0, loaded));
        buf = null;
      }
      chunks.push(value);
    }
    loaded += value.byteLength;
    progress(loaded);
  }
  if (buf) return loaded === buf.byteLength ? buf : buf.slice(0, loaded);
  const out = new Uint8Array(loaded);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}
