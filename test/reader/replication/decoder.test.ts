/**
 * The decoder on hand-built pgoutput messages: the cases that are awkward to provoke on a live server
 * (protocol violations) and the value mapping rules, each on its own.
 */
import { describe, expect, it } from 'vitest';
import { unchangedToast } from '../../../services/replication-reader/model.ts';
import { PgoutputDecoder } from '../../../services/replication-reader/replication/decoder.ts';

type Value = string | null | 'unchanged';

class Message {
  private readonly parts: Buffer[] = [];
  byte(value: number | string) {
    this.parts.push(Buffer.from([typeof value === 'string' ? value.charCodeAt(0) : value]));
    return this;
  }
  int16(value: number) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(value);
    this.parts.push(b);
    return this;
  }
  int32(value: number) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value);
    this.parts.push(b);
    return this;
  }
  int64(value: bigint) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(value);
    this.parts.push(b);
    return this;
  }
  string(value: string) {
    this.parts.push(Buffer.from(`${value}\u0000`));
    return this;
  }
  tuple(values: Value[]) {
    this.int16(values.length);
    for (const value of values) {
      if (value === null) this.byte('n');
      else if (value === 'unchanged') this.byte('u');
      else {
        const text = Buffer.from(value);
        this.byte('t').int32(text.length);
        this.parts.push(text);
      }
    }
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const relationOid = 16384;
const begin = (commitLsn: bigint, xid = 700) =>
  new Message().byte('B').int64(commitLsn).int64(848_570_400_123_456n).int32(xid).build();
const commit = (commitLsn: bigint, endLsn: bigint) =>
  new Message().byte('C').byte(0).int64(commitLsn).int64(endLsn).int64(848_570_400_123_456n).build();
const relation = (columns: [string, number, boolean][], identity = 'd') => {
  const message = new Message()
    .byte('R')
    .int32(relationOid)
    .string('public')
    .string('missions')
    .byte(identity);
  message.int16(columns.length);
  for (const [name, typeOid, key] of columns)
    message
      .byte(key ? 1 : 0)
      .string(name)
      .int32(typeOid)
      .int32(-1);
  return message.build();
};
const columns: [string, number, boolean][] = [
  ['id', 20, true],
  ['starts_at', 1184, false],
  ['body', 25, false],
];

function decoderInTransaction(): PgoutputDecoder {
  const decoder = new PgoutputDecoder();
  decoder.decode(begin(0x500n), 0x100n);
  decoder.decode(relation(columns), 0x100n);
  return decoder;
}

describe('PgoutputDecoder', () => {
  it('keeps values as text: no global type parser runs', () => {
    const decoder = decoderInTransaction();
    const insert = new Message()
      .byte('I')
      .int32(relationOid)
      .byte('N')
      .tuple(['9007199254740993', '2026-11-21 10:00:00.123456+00', null])
      .build();
    const [message] = decoder.decode(insert, 0x200n);
    expect(message).toEqual({
      kind: 'change',
      change: {
        op: 'c',
        table: { schema: 'public', table: 'missions', relationOid },
        position: { commitLsn: 0x500n, lsn: 0x200n, xid: 700, commitTimeMicros: 1_795_255_200_123_456n },
        after: { id: '9007199254740993', starts_at: '2026-11-21 10:00:00.123456+00', body: null },
      },
    });
  });

  it('maps unchanged TOAST to the symbol when there is no old row, and keeps the old key as before', () => {
    const decoder = decoderInTransaction();
    const update = new Message()
      .byte('U')
      .int32(relationOid)
      .byte('K')
      .tuple(['1', null, null])
      .byte('N')
      .tuple(['2', '2026-11-21 10:00:00+00', 'unchanged'])
      .build();
    const [message] = decoder.decode(update, 0x200n);
    expect(message?.kind === 'change' && message.change).toMatchObject({
      op: 'u',
      before: { id: '1' },
      after: { id: '2', body: unchangedToast },
    });
  });

  it('takes an unchanged value from the old row under REPLICA IDENTITY FULL', () => {
    const decoder = new PgoutputDecoder();
    decoder.decode(begin(0x500n), 0x100n);
    decoder.decode(relation(columns, 'f'), 0x100n);
    const update = new Message()
      .byte('U')
      .int32(relationOid)
      .byte('O')
      .tuple(['1', null, 'long text'])
      .byte('N')
      .tuple(['1', '2026-11-21 10:00:00+00', 'unchanged'])
      .build();
    const [message] = decoder.decode(update, 0x200n);
    expect(message?.kind === 'change' && message.change).toMatchObject({
      op: 'u',
      before: { id: '1', starts_at: null, body: 'long text' },
      after: { body: 'long text' },
    });
  });

  it('gives an update without old data a null before', () => {
    const decoder = decoderInTransaction();
    const update = new Message().byte('U').int32(relationOid).byte('N').tuple(['1', null, 'x']).build();
    const [message] = decoder.decode(update, 0x200n);
    expect(message?.kind === 'change' && message.change).toMatchObject({ op: 'u', before: null });
  });

  it('flags a relation as changed only when its description differs', () => {
    const decoder = new PgoutputDecoder();
    expect(decoder.decode(relation(columns), 1n)[0]).toMatchObject({ kind: 'relation', changed: true });
    expect(decoder.decode(relation(columns), 2n)[0]).toMatchObject({ kind: 'relation', changed: false });
    const widened: [string, number, boolean][] = [...columns, ['extra', 23, false]];
    expect(decoder.decode(relation(widened), 3n)[0]).toMatchObject({ kind: 'relation', changed: true });
  });

  it('tracks the transaction and reports commit end positions', () => {
    const decoder = decoderInTransaction();
    expect(decoder.inTransaction).toBe(true);
    expect(decoder.decode(commit(0x500n, 0x530n), 0x500n)).toEqual([
      {
        kind: 'commit',
        xid: 700,
        commitLsn: 0x500n,
        commitEndLsn: 0x530n,
        commitTimeMicros: 1_795_255_200_123_456n,
        lsn: 0x500n,
      },
    ]);
    expect(decoder.inTransaction).toBe(false);
  });

  it('stops on protocol violations instead of guessing', () => {
    const outside = new PgoutputDecoder();
    outside.decode(relation(columns), 1n);
    const insert = new Message().byte('I').int32(relationOid).byte('N').tuple(['1', null, null]).build();
    expect(() => outside.decode(insert, 2n)).toThrow(/outside a transaction/);
    expect(() => decoderInTransaction().decode(begin(0x600n, 701), 2n)).toThrow(/begin of xid 701 inside/);
    expect(() => decoderInTransaction().decode(commit(0x999n, 0x9a0n), 2n)).toThrow(/differs/);
    expect(() => new PgoutputDecoder().decode(commit(1n, 2n), 2n)).toThrow(/commit without begin/);
    expect(() => new PgoutputDecoder().decode(Buffer.from('Z'), 2n)).toThrow(/cannot parse/);
  });

  it('yields one truncate change per relation, sharing the position', () => {
    const decoder = decoderInTransaction();
    const truncate = new Message().byte('T').int32(1).byte(3).int32(relationOid).build();
    expect(decoder.decode(truncate, 0x300n)).toMatchObject([
      {
        kind: 'change',
        change: { op: 't', cascade: true, restartIdentity: true, position: { lsn: 0x300n } },
      },
    ]);
  });
});
