/**
 * A small static file server for the benchmark, behaving like an ordinary production host:
 * strong ETags and 304 revalidation on every file, `Cache-Control: max-age` for the build's
 * content-hashed assets and the onnxruntime-web runtime, `no-cache` (always revalidate) for HTML and
 * model files, gzip for text, wasm and the binary catalogue (catalog.bin) when the browser accepts it. Serves a built page directory
 * at `/` and other directories at URL prefixes (`mounts`, e.g. `/models/` → public/models).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { basename, extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CONTENT_TYPES } from '../../tests/support/helpers';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.json', '.wasm', '.css', '.svg']);
/** compressible files among the octet streams: the binary catalogue (ids, lengths, years: gzip shrinks it several times) */
const COMPRESSIBLE_NAMES = new Set(['catalog.bin']);

/** Whether the server sends `file` gzip-compressed (to a browser that accepts gzip). */
export function sentGzipped(file: string): boolean {
  return COMPRESSIBLE.has(extname(file)) || COMPRESSIBLE_NAMES.has(basename(file));
}

interface Entry {
  mtime: number;
  body: Buffer;
  gz: Buffer | null;
  etag: string;
}

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
  /** bytes sent (bodies) since start, for a sanity check of what the browser reports */
  sent(): number;
}

export function startStaticServer(opts: {
  root: string;
  mounts: Record<string, string>;
  port: number;
  host?: string;
}): Promise<StaticServer> {
  const cache = new Map<string, Entry>();
  let sent = 0;
  const read = (file: string): Entry => {
    const st = statSync(file);
    const hit = cache.get(file);
    if (hit && hit.mtime === st.mtimeMs) return hit;
    const body = readFileSync(file);
    const gz = sentGzipped(file) ? gzipSync(body, { level: 6 }) : null;
    const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 20)}"`;
    const e = { mtime: st.mtimeMs, body, gz, etag };
    cache.set(file, e);
    return e;
  };
  const resolveFile = (urlPath: string): { file: string; cacheControl: string } | null => {
    let base = opts.root;
    let rel = urlPath;
    let cacheControl = 'no-cache';
    const mount = Object.keys(opts.mounts).find((p) => urlPath.startsWith(p));
    if (mount) {
      base = opts.mounts[mount]!;
      rel = urlPath.slice(mount.length - 1);
    } else if (urlPath.startsWith('/assets/'))
      cacheControl = 'public, max-age=31536000, immutable'; // content-hashed names
    else if (urlPath.startsWith('/ort/')) cacheControl = 'public, max-age=86400';
    if (rel.endsWith('/')) rel += 'index.html';
    const file = normalize(join(base, decodeURIComponent(rel)));
    if (!(file === base || file.startsWith(base.endsWith(sep) ? base : base + sep))) return null;
    if (!existsSync(file) || !statSync(file).isFile()) return null;
    return { file, cacheControl };
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const hit = resolveFile(path);
    if (!hit || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    const e = read(hit.file);
    res.setHeader('Content-Type', CONTENT_TYPES[extname(hit.file)] ?? 'application/octet-stream');
    res.setHeader('Cache-Control', hit.cacheControl);
    res.setHeader('ETag', e.etag);
    res.setHeader('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === e.etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    const gzip = e.gz !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? e.gz! : e.body;
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', String(body.length));
    sent += body.length;
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      resolve({
        origin: `http://${opts.host ?? '127.0.0.1'}:${opts.port}`,
        sent: () => sent,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
