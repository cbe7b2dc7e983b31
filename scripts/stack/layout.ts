/**
 * Where each piece of the native stack keeps its files under `stackHome`. Paths only: nothing here touches the disk,
 * so importing this file has no side effects.
 */
import path from 'node:path';
import { stackHome } from './topology.ts';

export type ServiceName = 'postgres' | 'kafka' | 'registry' | 'dbt-venv' | 'ops-tools';

export const layout = {
  home: stackHome,
  runDir: path.join(stackHome, 'run'),
  logsDir: path.join(stackHome, 'logs'),
  stampsDir: path.join(stackHome, 'stamps'),
  /** Output of installers (apt, mvn, pip), kept apart from the services' own logs. */
  installLog: path.join(stackHome, 'logs', 'install.log'),
  /** Held while `up`/`down` change the stack, so two test runs starting at once do not both spawn servers. */
  lockFile: path.join(stackHome, 'run', 'stack.lock'),
  pidFile: (service: ServiceName) => path.join(stackHome, 'run', `${service}.pid`),
  logFile: (service: ServiceName) => path.join(stackHome, 'logs', `${service}.log`),
  stampFile: (name: string) => path.join(stackHome, 'stamps', `${name}.stamp`),
} as const;
