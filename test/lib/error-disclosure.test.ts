import { describe, expect, it } from 'vitest';
import { disclosableMessage, disclosureOf } from '../../lib/errors/disclosure.ts';
import { PipelineError } from '../../lib/errors/index.ts';

describe('disclosureOf', () => {
  it('withholds errors whose chain may quote a row value, and names the code and table', () => {
    const error = new PipelineError('INTERNAL', 'apply failed', {
      cause: new PipelineError('TRANSFORM_FAILED', 'transform threw: bad email x@y.z', {
        details: { table: 'partners' },
      }),
    });
    expect(disclosureOf(error)).toEqual({ code: 'INTERNAL', table: 'partners', withheld: true });
    expect(disclosableMessage(error)).toBe(
      'INTERNAL on table partners (message withheld: it may quote row values)',
    );
  });

  it('keeps operational messages', () => {
    const error = new PipelineError('KAFKA_UNAVAILABLE', 'broker 127.0.0.1:9092 unreachable', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(disclosureOf(error)).toEqual({ code: 'KAFKA_UNAVAILABLE', table: undefined, withheld: false });
    expect(disclosableMessage(error)).toBe('broker 127.0.0.1:9092 unreachable');
    expect(disclosableMessage('plain')).toBe('plain');
  });

  it('withholds PostgreSQL data and integrity errors', () => {
    const error = Object.assign(new Error('value too long for type character varying(3): "abcd"'), {
      code: '22001',
    });
    expect(disclosableMessage(error)).toBe('ERROR (message withheld: it may quote row values)');
  });
});
