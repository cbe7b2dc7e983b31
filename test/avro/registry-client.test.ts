/**
 * The registry adapter against the real registry, through a counting proxy that can also play an
 * unavailable registry: explicit subjects, id cache, bounded retries, error classification, bigint-exact
 * encode/decode with Confluent framing.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unchangedToastValue } from '../../lib/avro/index.ts';
import { classifyError, PipelineError } from '../../lib/errors/index.ts';
import { createSchemaRegistryClient, keySubject, valueSubject } from '../../lib/registry/index.ts';
import { requireEnv, uniqueName } from '../support/names.ts';

const registryUrl = requireEnv('SCHEMA_REGISTRY_URL');
const topic = uniqueName('test.registry');
const subject = valueSubject(topic);

const schema = (extra: object[] = []) => ({
  type: 'record',
  name: 'Value',
  namespace: topic,
  fields: [
    { name: 'id', type: 'long' },
    {
      name: 'amount',
      type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 30, scale: 2 }],
      default: null,
    },
    {
      name: 'body',
      type: [
        'null',
        'string',
        {
          type: 'enum',
          name: 'UnchangedToast',
          namespace: 'cdc',
          symbols: ['UNCHANGED_TOAST'],
          logicalType: 'cdc-unchanged-toast',
        },
      ],
      default: null,
    },
    ...extra,
  ],
});

/** Forwards to the registry; counts requests, remembers auth headers, fails the next `failures` requests. */
function proxy() {
  const state = { requests: 0, failures: 0, authorization: [] as (string | undefined)[] };
  const target = new URL(registryUrl);
  const server: Server = createServer((incoming, outgoing) => {
    state.requests++;
    state.authorization.push(incoming.headers.authorization);
    if (state.failures > 0) {
      state.failures--;
      outgoing.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"unavailable"}');
      return;
    }
    const forwarded = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname.replace(/\/$/, '')}${incoming.url}`,
        method: incoming.method,
        headers: incoming.headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    incoming.pipe(forwarded);
  });
  return { server, state };
}

describe('schema registry client', () => {
  const { server, state } = proxy();
  let url = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    for (const name of [subject, keySubject(topic)]) {
      await fetch(`${registryUrl}/subjects/${name}`, { method: 'DELETE' });
      await fetch(`${registryUrl}/subjects/${name}?permanent=true`, { method: 'DELETE' });
    }
  });

  const fast = { retry: { attempts: 4, initialDelayMs: 10, maxDelayMs: 20 } };

  it('names subjects <topic>-key and <topic>-value', () => {
    expect(keySubject('core.public.missions')).toBe('core.public.missions-key');
    expect(valueSubject('core.public.missions')).toBe('core.public.missions-value');
  });

  it('registers under the explicit subject, caches the id, and round-trips exact values', async () => {
    const client = createSchemaRegistryClient({ url }, fast);
    const ids = await Promise.all([client.register(subject, schema()), client.register(subject, schema())]);
    expect(ids[0]).toBe(ids[1]);
    const requestsAfterRegistration = state.requests;
    expect(await client.register(subject, schema())).toBe(ids[0]);
    expect(state.requests).toBe(requestsAfterRegistration);

    // Asked by name: the full subject list is paged (1,000 at a time on Apicurio) on a busy registry.
    const versions = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`);
    expect(versions.status).toBe(200);
    expect((await versions.json()) as number[]).toEqual([1]);

    const id = ids[0] as number;
    const value = {
      id: 9223372036854775807n,
      amount: '-12345678901234567890123456.78',
      body: unchangedToastValue,
    };
    const encoded = await client.encode(id, value);
    expect(encoded.readUInt8(0)).toBe(0);
    expect(encoded.readUInt32BE(1)).toBe(id);
    // A fresh client (no cache) decodes with the schema fetched by id, with the same exact types.
    const decoded = await createSchemaRegistryClient({ url: registryUrl }).decode(encoded);
    expect({ ...(decoded as object) }).toEqual(value);
  });

  it('accepts an added nullable field, rejects a changed type as SCHEMA_INCOMPATIBLE', async () => {
    const client = createSchemaRegistryClient({ url }, fast);
    await client.register(subject, schema());
    const added = await client.register(
      subject,
      schema([{ name: 'note', type: ['null', 'string'], default: null }]),
    );
    expect(added).toBeGreaterThan(0);
    const changed = { ...schema(), fields: [{ name: 'id', type: 'string' }, ...schema().fields.slice(1)] };
    const error = await client.register(subject, changed).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).code).toBe('SCHEMA_INCOMPATIBLE');
    expect((error as PipelineError).message).toContain(subject);
    expect(classifyError(error)).toBe('fatal');
  });

  it('retries transient failures with backoff, within bounds', async () => {
    const client = createSchemaRegistryClient({ url }, fast);
    state.failures = 2;
    await expect(
      client.register(keySubject(topic), {
        type: 'record',
        name: 'Key',
        namespace: topic,
        fields: [{ name: 'id', type: 'long' }],
      }),
    ).resolves.toBeGreaterThan(0);
    expect(state.failures).toBe(0);

    state.failures = 100;
    const before = state.requests;
    const error = await client
      .register(keySubject(topic), {
        type: 'record',
        name: 'Key',
        namespace: topic,
        fields: [{ name: 'id', type: 'int' }],
      })
      .catch((caught: unknown) => caught);
    state.failures = 0;
    expect((error as PipelineError).code).toBe('REGISTRY_UNAVAILABLE');
    expect(classifyError(error)).toBe('retry');
    expect(state.requests - before).toBe(4);
  });

  it('reports an unreachable registry as REGISTRY_UNAVAILABLE (retriable)', async () => {
    // A port that was just free: connections are refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = createSchemaRegistryClient(
      { url: `http://127.0.0.1:${port}` },
      { retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 } },
    );
    for (const attempt of [
      client.register(subject, schema()),
      client.decode(Buffer.from([0, 0, 0, 0, 1, 2])),
    ]) {
      const error = await attempt.catch((caught: unknown) => caught);
      expect((error as PipelineError).code).toBe('REGISTRY_UNAVAILABLE');
      expect((error as PipelineError).retriable).toBe(true);
    }
  });

  it('sends the configured credentials', async () => {
    const client = createSchemaRegistryClient({ url, auth: { username: 'reader', password: 'pw' } }, fast);
    state.authorization = [];
    await client.register(subject, schema());
    expect(state.authorization.at(-1)).toBe(`Basic ${Buffer.from('reader:pw').toString('base64')}`);
  });

  it('encode errors name the fields, not the values; undecodable messages are DECODE_FAILED', async () => {
    const client = createSchemaRegistryClient({ url }, fast);
    const id = await client.register(subject, schema());
    const error = await client
      .encode(id, { id: 'secret-value', amount: null, body: null })
      .catch((caught: unknown) => caught);
    expect((error as PipelineError).code).toBe('VALIDATION_FAILED');
    expect((error as PipelineError).message).toContain('id');
    expect(
      JSON.stringify({ message: (error as Error).message, details: (error as PipelineError).details }),
    ).not.toContain('secret');

    for (const garbage of [Buffer.from([1, 2, 3]), Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2])]) {
      const failure = await client.decode(garbage).catch((caught: unknown) => caught);
      expect((failure as PipelineError).code).toBe('DECODE_FAILED');
      expect(classifyError(failure)).toBe('dead-letter');
    }
  });
});
