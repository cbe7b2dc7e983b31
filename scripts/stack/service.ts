/**
 * The contract every piece of the local stack implements, so the lifecycle (lifecycle.ts) can install, start,
 * health-check and stop them without knowing what they are.
 */
import type { ServiceName } from './layout.ts';

export interface Health {
  ok: boolean;
  /** One short line for the status table: what was checked, or why it failed. */
  detail: string;
}

/** A long-running server the stack spawns, identified by its pid file and its command line. */
export interface ProcessSpec {
  /** Every one of these must appear in /proc/<pid>/cmdline, or the pid file is stale (pid reused by another program). */
  cmdlineMarkers: readonly string[];
  /** Postgres shuts down fast and cleanly on SIGINT; JVMs run their shutdown hooks on SIGTERM. */
  stopSignal: NodeJS.Signals;
  /** How long to wait for a clean exit before SIGKILL. */
  stopTimeoutMs: number;
  /** Spawns the detached server and returns its pid. Called only when no live process of ours exists. */
  spawn(): Promise<number>;
  /** Accepting connections, before `configure` (for Postgres: the superuser socket, since the roles may not exist yet). */
  ready(): Promise<Health>;
  /** Idempotent set-up that needs the running server (bootstrap SQL, global compatibility rule). */
  configure?(): Promise<void>;
  /** Upper bound for a start, from spawn to healthy. */
  startTimeoutMs: number;
}

export interface Service {
  name: ServiceName;
  /** host:port, or a path for services without a socket. */
  address: string;
  port: number | undefined;
  logFile: string;
  /** Installs what is missing; cheap when everything is there (stamp files). */
  install(): Promise<void>;
  /** Whether `install` would do nothing: file checks only, so a second `up` can skip the installers entirely. */
  installed(): boolean;
  /** The real check: a query, a metadata request, an HTTP call, a command that runs. */
  health(): Promise<Health>;
  /** Absent for tools that only need installing (the dbt virtual environment). */
  process?: ProcessSpec;
}
