// Installs the npm dependencies when they are missing or stale, so that the README's two commands
// (`npm run demo`, `npm test`) work on a fresh clone. Plain Node, no dependencies: it runs before they exist.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockFile = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.cdc-lock-hash');

const lockHash = createHash('sha256').update(readFileSync(lockFile)).digest('hex');
const installedHash = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';

if (installedHash !== lockHash) {
  // `npm install` rather than `npm ci`: it installs the locked versions too, and npm 11 writes lock files
  // without the other platforms' optional binaries (biome, dbmate), which `npm ci` then rejects as out of sync.
  process.stderr.write('ensure-deps: installing npm dependencies (npm install from package-lock.json)\n');
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    process.stderr.write(`ensure-deps: npm install failed with exit code ${result.status}\n`);
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, `${lockHash}\n`);
}
