/**
 * A Kafka broker of the test's own, from the stack's jars, on free loopback ports and a temporary log dir.
 * Tests that stop Kafka ("broker unavailable for a while") use it, so the shared stack broker other tests rely
 * on never goes down. `stop()` and `start()` can be repeated; the data survives until `destroy()`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { renderLog4j2Properties, renderServerProperties } from '../../scripts/stack/kafka-config.ts';
import { stackHome } from '../../scripts/stack/topology.ts';
import { freePort } from './free-port.ts';

export class ThrowawayBroker {
  private process: ChildProcess | undefined;

  private constructor(
    readonly directory: string,
    readonly port: number,
    private readonly classpath: string,
  ) {}

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  static async create(): Promise<ThrowawayBroker> {
    const directory = mkdtempSync(path.join(tmpdir(), 'throwaway-kafka-'));
    const [port, controllerPort] = [await freePort(), await freePort()];
    const classpath = `${path.join(stackHome, 'kafka', 'libs')}/*`;
    writeFileSync(
      path.join(directory, 'server.properties'),
      renderServerProperties({ port, controllerPort, dataDir: path.join(directory, 'data') }),
    );
    writeFileSync(path.join(directory, 'log4j2.properties'), renderLog4j2Properties());
    const broker = new ThrowawayBroker(directory, port, classpath);
    const format = spawnSync(
      'java',
      broker.javaArgs('kafka.tools.StorageTool', [
        'format',
        '--standalone',
        // `=`: an id may start with '-', which the option parser would take for an option.
        `--cluster-id=${randomBytes(16).toString('base64url')}`,
        '-c',
        path.join(directory, 'server.properties'),
      ]),
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (format.status !== 0) throw new Error(`formatting the throwaway broker failed: ${format.stderr}`);
    return broker;
  }

  private javaArgs(mainClass: string, args: string[]): string[] {
    return [
      '-Xms128m',
      '-Xmx384m',
      '-XX:+UseSerialGC',
      `-Dlog4j2.configurationFile=${path.join(this.directory, 'log4j2.properties')}`,
      '-cp',
      this.classpath,
      mainClass,
      ...args,
    ];
  }

  /** Starts the broker and waits (bounded) until it answers a metadata request. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.process && this.process.exitCode === null) return; // already running: never two JVMs on one log dir
    const log = openSync(path.join(this.directory, 'broker.log'), 'a');
    this.process = spawn(
      'java',
      this.javaArgs('kafka.Kafka', [path.join(this.directory, 'server.properties')]),
      {
        stdio: ['ignore', log, log],
      },
    );
    const admin = new Kafka({
      clientId: 'throwaway-health',
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await admin.connect();
        await admin.describeCluster();
        await admin.disconnect();
        return;
      } catch (error) {
        await admin.disconnect().catch(() => undefined);
        if (Date.now() > deadline || this.process.exitCode !== null) {
          throw new Error(`throwaway broker did not start; see ${path.join(this.directory, 'broker.log')}`, {
            cause: error,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** SIGKILL: the broker vanishes as in a crash or a network cut. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    // The JVM's last file handles may close a moment after its exit: retry the removal briefly.
    rmSync(this.directory, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
