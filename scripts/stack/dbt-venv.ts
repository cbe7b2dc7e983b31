/**
 * The Python virtual environment with dbt-core, dbt-postgres and sqlfluff, pinned in python-requirements.txt.
 * Not a server: it only needs installing, and its health is whether `dbt --version` runs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { StackError } from './errors.ts';
import { commandExists, digest, progress, run, stampMatches, writeStamp } from './install.ts';
import { layout } from './layout.ts';
import type { Health, Service } from './service.ts';
import { connectionEnv } from './topology.ts';

const requirements = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python-requirements.txt');
const venvDir = connectionEnv().DBT_VENV ?? path.join(layout.home, 'venv');
const python = path.join(venvDir, 'bin', 'python');
const dbt = path.join(venvDir, 'bin', 'dbt');

function venvInstalled(): boolean {
  return stampMatches('dbt-venv', digest(fs.readFileSync(requirements, 'utf8'))) && fs.existsSync(dbt);
}

export function createDbtVenv(): Service {
  return {
    name: 'dbt-venv',
    address: venvDir,
    port: undefined,
    logFile: layout.installLog,

    installed: venvInstalled,

    async install() {
      if (venvInstalled()) return;
      const inputs = digest(fs.readFileSync(requirements, 'utf8'));
      if (!commandExists('python3')) {
        throw new StackError(
          'missing-prerequisite',
          'python3 not found: install the Debian packages python3 python3-venv',
        );
      }
      progress(
        `dbt-venv: pip install -r ${path.basename(requirements)} into ${venvDir} (output in ${layout.installLog})`,
      );
      // A fresh venv each time the pins change: pip does not remove packages that a new pin set no longer needs.
      fs.rmSync(venvDir, { recursive: true, force: true });
      await run('python3', ['-m', 'venv', venvDir]);
      await run(python, [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--quiet',
        '-r',
        requirements,
      ]);
      writeStamp('dbt-venv', inputs);
    },

    async health(): Promise<Health> {
      const { stdout } = await promisify(execFile)(dbt, ['--version'], {
        timeout: 15_000,
        // dbt asks PyPI for newer versions (1 s timeout each); no telemetry from a health check.
        env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DO_NOT_TRACK: '1' },
      });
      const core = /installed:\s*(\S+)/.exec(stdout)?.[1];
      const postgres = /postgres:\s*(\S+)/.exec(stdout)?.[1];
      return core && postgres
        ? { ok: true, detail: `dbt ${core}, dbt-postgres ${postgres}` }
        : { ok: false, detail: 'dbt --version did not list core and postgres' };
    },
  };
}
