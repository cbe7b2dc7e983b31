import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { avroType, ScratchEncoder } from '../../../lib/avro/index.ts';
import {
  buildEnvelope,
  buildEnvelopeSchema,
  readerVersion,
} from '../../../services/replication-reader/envelope/index.ts';
import { buildRowSchemas, createRowMapper } from '../../../services/replication-reader/mapping/index.ts';
import type { RowChange, SourcePosition, TableRef } from '../../../services/replication-reader/model.ts';
import { column, connector, table } from './fixtures.ts';

const definition = table([column('id', 'int8', { nullable: false }), column('title', 'text')]);
const { rowSchema } = buildRowSchemas(definition, connector(), { namespace: 'core.public.things' });
const mapper = createRowMapper(definition, connector());
const envelopeType = avroType(buildEnvelopeSchema(rowSchema));

const ref: TableRef = { schema: 'public', table: 'things', relationOid: 16400 };
const position: SourcePosition = {
  commitLsn: 0x1_0000_0010n,
  lsn: 0x1_0000_0008n,
  xid: 4_000_000_000,
  commitTimeMicros: 1_795_255_200_123_456n,
};
const context = { prefix: 'core', db: 'core', processingTimeMs: 1_795_255_201_000 };
const row = mapper.row({ id: '9223372036854775807', title: 'Tutor' });

const roundTrip = (envelope: unknown) => envelopeType.fromBuffer(envelopeType.toBuffer(envelope));

describe('envelope schema', () => {
  it('is <namespace>.Envelope with the row record in before/after and cdc.Source', () => {
    const schema = buildEnvelopeSchema(rowSchema);
    expect(envelopeType.name).toBe('core.public.things.Envelope');
    expect(schema.fields.map((field) => field.name)).toEqual([
      'before',
      'after',
      'source',
      'op',
      'ts_ms',
      'transaction',
    ]);
    expect(schema.fields[0]?.type).toEqual(['null', rowSchema]);
    expect(schema.fields[1]?.type).toEqual(['null', 'core.public.things.Value']);
    expect(schema.fields[2]?.type).toMatchObject({ name: 'Source', namespace: 'cdc' });
  });

  it('leaves the JSON files untouched (a fresh copy per table)', () => {
    buildEnvelopeSchema(rowSchema);
    const file = JSON.parse(
      readFileSync(new URL('../../../schemas/envelope.avsc.json', import.meta.url), 'utf8'),
    );
    expect(file.fields[0].type).toEqual(['null', 'Value']);
    expect(buildEnvelopeSchema(rowSchema).fields[2]?.type).not.toBe(
      buildEnvelopeSchema(rowSchema).fields[2]?.type,
    );
  });
});

describe('buildEnvelope', () => {
  it('insert: after only, Debezium source block, bigint longs', () => {
    const change: RowChange = { op: 'c', table: ref, position, after: {} };
    const decoded = roundTrip(buildEnvelope(change, { after: row }, context));
    expect(decoded.before).toBeNull();
    expect(decoded.after).toEqual({ id: 9223372036854775807n, title: 'Tutor' });
    expect(decoded.op).toBe('c');
    expect(decoded.ts_ms).toBe(1_795_255_201_000n);
    expect(decoded.transaction).toBeNull();
    expect({ ...decoded.source }).toEqual({
      version: readerVersion,
      connector: 'postgresql',
      name: 'core',
      ts_ms: 1_795_255_200_123n,
      ts_us: 1_795_255_200_123_456n,
      snapshot: 'false',
      db: 'core',
      sequence: '["4294967312","4294967304"]',
      schema: 'public',
      table: 'things',
      txId: 4_000_000_000n,
      lsn: 0x1_0000_0008n,
      commit_lsn: 0x1_0000_0010n,
      xmin: null,
    });
  });

  it('update: before when known, after; transaction block when the position in the transaction is given', () => {
    const change: RowChange = { op: 'u', table: ref, position, before: null, after: {} };
    const withTx = { ...context, transaction: { totalOrder: 3, dataCollectionOrder: 2 } };
    const decoded = roundTrip(buildEnvelope(change, { before: null, after: row }, withTx));
    expect(decoded.before).toBeNull();
    expect(decoded.after.title).toBe('Tutor');
    expect({ ...decoded.transaction }).toEqual({
      id: '4000000000:4294967312',
      total_order: 3n,
      data_collection_order: 2n,
    });
    const both = roundTrip(buildEnvelope(change, { before: row, after: row }, context));
    expect(both.before.id).toBe(9223372036854775807n);
  });

  it('delete: before is the old row (or key), after is null', () => {
    const change: RowChange = { op: 'd', table: ref, position, before: {} };
    const keyOnly = mapper.row({ id: '5', title: null });
    const decoded = roundTrip(buildEnvelope(change, { before: keyOnly }, context));
    expect(decoded.after).toBeNull();
    expect({ ...decoded.before }).toEqual({ id: 5n, title: null });
    expect(decoded.op).toBe('d');
  });

  it('truncate: no rows; snapshot reads carry the snapshot marker', () => {
    const truncate: RowChange = { op: 't', table: ref, position, cascade: false, restartIdentity: false };
    const decoded = roundTrip(buildEnvelope(truncate, { before: row, after: row }, context));
    expect([decoded.before, decoded.after, decoded.op]).toEqual([null, null, 't']);
    const read: RowChange = {
      op: 'r',
      table: ref,
      position: { ...position, lsn: 0n },
      after: {},
      snapshot: 'last',
    };
    const snapshot = roundTrip(buildEnvelope(read, { after: row }, context));
    expect(snapshot.source.snapshot).toBe('last');
    expect(snapshot.source.lsn).toBe(0n);
    expect(snapshot.op).toBe('r');
  });

  it('refuses an insert without its row or a delete without its old row', () => {
    expect(() => buildEnvelope({ op: 'c', table: ref, position, after: {} }, {}, context)).toThrow(
      /needs the after/,
    );
    expect(() => buildEnvelope({ op: 'd', table: ref, position, before: {} }, {}, context)).toThrow(
      /needs the before/,
    );
  });

  it("reports the package's version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(readerVersion).toBe(pkg.version);
  });
});

describe('envelope encoding (hot path)', () => {
  it('matches the straightforward build, whatever the order of transactions and sizes of LSNs', () => {
    const encoder = new ScratchEncoder();
    const header = Buffer.from([0, 0, 0, 0, 7]);
    for (let i = 0; i < 500; i++) {
      const big = i % 3 === 0 ? 2n ** 60n : 0n;
      const at: SourcePosition = {
        commitLsn: big + BigInt(Math.floor(Math.random() * 2 ** 40)) + BigInt(i % 4),
        lsn: big + BigInt(Math.floor(Math.random() * 2 ** 40)),
        xid: (i % 4) * 1_000_000_007,
        commitTimeMicros: 1_795_255_200_000_000n + BigInt(i % 4),
      };
      const change: RowChange = { op: 'c', table: ref, position: at, after: { id: String(i), title: 't' } };
      const envelope = buildEnvelope(
        change,
        { after: mapper.row(change.after) },
        { ...context, transaction: { totalOrder: i + 1, dataCollectionOrder: 1 } },
      );
      expect(envelope.source.sequence).toBe(JSON.stringify([at.commitLsn.toString(), at.lsn.toString()]));
      expect(envelope.source.ts_ms).toBe(at.commitTimeMicros / 1000n);
      expect(envelope.source.txId).toBe(BigInt(at.xid));
      expect(envelope.transaction?.id).toBe(`${at.xid}:${at.commitLsn}`);
      const framed = encoder.encode(envelopeType, envelope, header);
      expect(framed).toEqual(Buffer.concat([header, envelopeType.toBuffer(envelope)]));
      expect(envelopeType.fromBuffer(framed.subarray(5))).toEqual(envelope);
    }
  });

  it('grows its scratch buffer for a value larger than it', () => {
    const encoder = new ScratchEncoder();
    const large = mapper.row({ id: '1', title: 'x'.repeat(200_000) });
    const envelope = buildEnvelope({ op: 'c', table: ref, position, after: {} }, { after: large }, context);
    const header = Buffer.from([0, 0, 0, 0, 1]);
    expect(encoder.encode(envelopeType, envelope, header)).toEqual(
      Buffer.concat([header, envelopeType.toBuffer(envelope)]),
    );
  });
});
