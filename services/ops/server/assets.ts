/**
 * The dashboard's static files: the page's own (dashboard/, next to this file) and uPlot's, straight from its
 * npm package, both under `/assets/`. A request can only reach a file inside one of these folders: the path
 * is decoded, resolved and checked to stay under its root; dot files and unknown types are not served.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const defaultDashboardRoot = fileURLToPath(new URL('./dashboard/', import.meta.url));

export function uplotRoot(): string {
  return join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** `/assets/<mount>/<file>` is served from the mount's folder, any other `/assets/<file>` from the default. */
export interface AssetRoots {
  default: string;
  mounts: Record<string, string>;
}

export type AssetLookup = { ok: true; file: string; contentType: string } | { ok: false; status: 400 | 404 };

/** Maps a URL path under `/assets/` to a file, refusing anything that would leave its root. Pure. */
export function lookupAsset(urlPath: string, roots: AssetRoots): AssetLookup {
  const prefix = '/assets/';
  if (!urlPath.startsWith(prefix)) return { ok: false, status: 404 };
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath.slice(prefix.length));
  } catch {
    return { ok: false, status: 400 };
  }
  const segments = relative.split(/[/\\]/);
  if (relative.includes('\0') || segments.some((segment) => segment === '' || segment.startsWith('.'))) {
    return { ok: false, status: 404 };
  }
  const [first, ...rest] = segments;
  const mounted =
    first !== undefined && rest.length > 0 && Object.hasOwn(roots.mounts, first)
      ? roots.mounts[first]
      : undefined;
  const root = resolve(mounted ?? roots.default);
  const file = resolve(root, ...(mounted ? rest : segments));
  const contentType = contentTypes[extname(file)];
  if (!file.startsWith(root + sep) || !contentType) return { ok: false, status: 404 };
  return { ok: true, file, contentType };
}

export async function sendFile(response: ServerResponse, file: string, contentType: string): Promise<void> {
  try {
    const body = await readFile(file);
    // Revalidated on each load: the page and its scripts change together when the service is deployed.
    response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
    response.end(body);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR';
    response.writeHead(missing ? 404 : 500, { 'content-type': 'text/plain' });
    response.end(missing ? 'not found\n' : 'could not read the file\n');
  }
}

export function serveAsset(response: ServerResponse, urlPath: string, roots: AssetRoots): void {
  const found = lookupAsset(urlPath, roots);
  if (!found.ok) {
    response.writeHead(found.status, { 'content-type': 'text/plain' });
    response.end(found.status === 400 ? 'bad path\n' : 'not found\n');
    return;
  }
  void sendFile(response, found.file, found.contentType);
}
