import { describe, expect, it } from 'vitest';
import { classifyError, PipelineError } from '../../lib/errors/index.ts';

function withCode(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe('classifyError', () => {
  it('retries dropped connections and database restarts', () => {
    expect(classifyError(withCode('ECONNREFUSED'))).toBe('retry');
    expect(classifyError(withCode('57P01'))).toBe('retry');
    expect(classifyError(withCode('08006'))).toBe('retry');
    expect(classifyError(withCode('40P01'))).toBe('retry');
  });

  it('retries a connection node-postgres saw dropped mid-query (an error without a code)', () => {
    expect(classifyError(new Error('Connection terminated unexpectedly'))).toBe('retry');
    expect(classifyError(new Error('Connection terminated due to connection timeout'))).toBe('retry');
  });

  it('dead-letters data problems', () => {
    expect(classifyError(withCode('23505'))).toBe('dead-letter');
    expect(classifyError(new PipelineError('DECODE_FAILED', 'bad magic byte'))).toBe('dead-letter');
  });

  it('looks through the cause chain', () => {
    const wrapped = new PipelineError('INTERNAL', 'batch failed', { cause: withCode('ECONNRESET') });
    expect(classifyError(wrapped)).toBe('retry');
    const deeper = new Error('outer', { cause: new Error('middle', { cause: withCode('23502') }) });
    expect(classifyError(deeper)).toBe('dead-letter');
  });

  it('follows kafkajs originalError links', () => {
    const exhausted = Object.assign(new Error('Connection error: retries exhausted'), {
      retriable: false,
      originalError: Object.assign(new Error('connect ECONNREFUSED'), { retriable: true }),
    });
    expect(classifyError(exhausted)).toBe('retry');
  });

  it('honours kafkajs retriable flags and explicit retriable errors', () => {
    expect(classifyError(Object.assign(new Error('leader not available'), { retriable: true }))).toBe(
      'retry',
    );
    expect(classifyError(new PipelineError('KAFKA_UNAVAILABLE', 'down', { retriable: true }))).toBe('retry');
  });

  it('treats configuration errors and unknown failures as fatal', () => {
    expect(classifyError(new PipelineError('CONFIG_INVALID', 'bad'))).toBe('fatal');
    expect(classifyError(new TypeError('x is undefined'))).toBe('fatal');
    expect(classifyError('a string')).toBe('fatal');
  });

  it('survives cyclic causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(classifyError(a)).toBe('fatal');
  });
});
