/**
 * The pipeline's view of the Schema Registry: register a schema under an explicit subject, encode and decode
 * with Confluent framing (magic byte 0, 4-byte schema id, Avro body). Encoding and decoding go through
 * @kafkajs/confluent-schema-registry (schema fetched by id, cached) with our avsc options, without which it
 * decodes longs as lossy numbers and decimals as raw bytes. Registration is a plain POST (see http.ts).
 */
import { createHash } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { type AvroSchema, avroTypeOptions } from '../avro/index.ts';
import { PipelineError } from '../errors/index.ts';
import { type BackoffOptions, withBackoff } from '../retry/backoff.ts';
import { isTransientRegistryError, registrationError, requestError } from './errors.ts';
import { getSchemaById, postSchema, RegistryHttpError } from './http.ts';

export interface SchemaRegistryClient {
  /** Registers (or finds) the schema under `subject`; the id is cached per subject and schema. */
  register(subject: string, schema: AvroSchema): Promise<number>;
  /** Confluent-framed Avro of `value` with the schema `id`. */
  encode(id: number, value: unknown): Promise<Buffer>;
  /** The value of a Confluent-framed message, with the writer schema its id names. */
  decode(buffer: Buffer): Promise<unknown>;
  /** The schema registered under `id`, as JSON with its custom attributes (cached; ids never change). */
  schemaById(id: number): Promise<AvroSchema>;
}

export interface RegistrySettings {
  url: string;
  auth?: { username: string; password: string } | undefined;
}

export interface RegistryClientOptions {
  /** Bounded retries on transient failures (network, timeouts, 5xx, 408, 429). */
  retry?: Partial<Omit<BackoffOptions, 'shouldRetry'>>;
  /** Per registration request. */
  timeoutMs?: number;
  clientId?: string;
}

export const keySubject = (topic: string) => `${topic}-key`;
export const valueSubject = (topic: string) => `${topic}-value`;

const defaultRetry = { attempts: 6, initialDelayMs: 200, maxDelayMs: 5_000 };

function fingerprint(schema: AvroSchema): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

export function createSchemaRegistryClient(
  settings: RegistrySettings,
  options: RegistryClientOptions = {},
): SchemaRegistryClient {
  const registry = new SchemaRegistry(
    {
      host: settings.url,
      ...(settings.auth && { auth: settings.auth }),
      ...(options.clientId && { clientId: options.clientId }),
      // Retries are ours (withBackoff below), bounded and classified; the library's would multiply them.
      retry: { retries: 0 },
    },
    { [SchemaType.AVRO]: avroTypeOptions() },
  );
  const retry = { ...defaultRetry, ...options.retry, shouldRetry: isTransientRegistryError };
  const ids = new Map<string, Promise<number>>();

  const register = (subject: string, schema: AvroSchema): Promise<number> => {
    const cacheKey = `${subject}\u0000${fingerprint(schema)}`;
    let id = ids.get(cacheKey);
    if (!id) {
      id = withBackoff(
        () => postSchema(settings, subject, JSON.stringify(schema), options.timeoutMs ?? 10_000),
        retry,
      ).catch((error: unknown) => {
        ids.delete(cacheKey); // a failure is not cached: the next call asks again
        throw registrationError(subject, error);
      });
      ids.set(cacheKey, id);
    }
    return id;
  };

  const encode = async (id: number, value: unknown): Promise<Buffer> => {
    try {
      return await withBackoff(() => registry.encode(id, value), retry);
    } catch (error) {
      if (isTransientRegistryError(error) || typeof (error as { status?: unknown }).status === 'number') {
        throw requestError(`fetching schema ${id} to encode`, error, { schemaId: id });
      }
      // avsc's validation message quotes the offending value: keep only the field paths.
      const paths = (error as { paths?: string[][] }).paths?.map((path) => path.join('.')) ?? [];
      throw new PipelineError(
        'VALIDATION_FAILED',
        `value does not match schema ${id}${paths.length ? ` at ${paths.join(', ')}` : ''}`,
        { details: { schemaId: id, paths } },
      );
    }
  };

  const decode = async (buffer: Buffer): Promise<unknown> => {
    try {
      return await withBackoff(() => registry.decode(buffer), retry);
    } catch (error) {
      if (isTransientRegistryError(error)) throw requestError('fetching a schema to decode', error);
      // Bad framing, an unknown schema id or bytes that do not match: this message can never be decoded.
      throw new PipelineError('DECODE_FAILED', 'message cannot be decoded with its registry schema', {
        cause: error,
        details: { status: (error as { status?: unknown }).status },
      });
    }
  };

  const schemas = new Map<number, Promise<AvroSchema>>();
  const schemaById = (id: number): Promise<AvroSchema> => {
    let schema = schemas.get(id);
    if (!schema) {
      schema = withBackoff(() => getSchemaById(settings, id, options.timeoutMs ?? 10_000), retry)
        .then((text) => JSON.parse(text) as AvroSchema)
        .catch((error: unknown) => {
          schemas.delete(id);
          if (error instanceof RegistryHttpError && error.status === 404) {
            throw new PipelineError('DECODE_FAILED', `schema id ${id} is unknown to the registry`, {
              cause: error,
              details: { schemaId: id },
            });
          }
          throw requestError(`fetching schema ${id}`, error, { schemaId: id });
        });
      schemas.set(id, schema);
    }
    return schema;
  };

  return { register, encode, decode, schemaById };
}
