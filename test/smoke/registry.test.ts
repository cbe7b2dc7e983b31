/**
 * Smoke: the schema registry speaks the Confluent protocol to the client the pipeline uses, with Confluent
 * framing, explicit `<topic>-value` subjects and BACKWARD compatibility enforced.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEnv, uniqueName } from '../support/names.ts';

const registryUrl = requireEnv('SCHEMA_REGISTRY_URL');

function missionSchema(extraFields: object[] = []) {
  return {
    type: SchemaType.AVRO as const,
    schema: JSON.stringify({
      type: 'record',
      name: 'Mission',
      namespace: 'smoke',
      fields: [{ name: 'id', type: 'long' }, { name: 'title', type: 'string' }, ...extraFields],
    }),
  };
}

describe('schema registry', () => {
  const registry = new SchemaRegistry({ host: registryUrl }, { forSchemaOptions: {} });
  const subject = `${uniqueName('smoke.registry')}-value`;

  afterAll(async () => {
    await fetch(`${registryUrl}/subjects/${subject}`, { method: 'DELETE' });
    await fetch(`${registryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
  });

  it('enforces BACKWARD compatibility globally', async () => {
    const response = await fetch(`${registryUrl}/config`);
    expect(response.status).toBe(200);
    const config = (await response.json()) as { compatibilityLevel?: string; compatibility?: string };
    expect(config.compatibilityLevel ?? config.compatibility).toBe('BACKWARD');
  });

  it('registers under an explicit subject, encodes with Confluent framing and decodes', async () => {
    const { id } = await registry.register(missionSchema(), { subject });
    const encoded = await registry.encode(id, { id: 42, title: 'Beach clean-up' });
    expect(encoded.readUInt8(0)).toBe(0); // magic byte
    expect(encoded.readUInt32BE(1)).toBe(id); // schema id
    expect(await registry.decode(encoded)).toEqual({ id: 42, title: 'Beach clean-up' });
    expect(await registry.getLatestSchemaId(subject)).toBe(id);
  });

  it('accepts an additive change with a default and rejects an incompatible one', async () => {
    const compatible = await registry.register(
      missionSchema([{ name: 'city', type: ['null', 'string'], default: null }]),
      { subject },
    );
    expect(await registry.getLatestSchemaId(subject)).toBe(compatible.id);
    // A new field without a default cannot read data written with the previous version: not BACKWARD.
    await expect(
      registry.register(missionSchema([{ name: 'partner_id', type: 'long' }]), { subject }),
    ).rejects.toThrow(/incompatible|409/i);
    expect(await registry.getLatestSchemaId(subject)).toBe(compatible.id);
  });
});
