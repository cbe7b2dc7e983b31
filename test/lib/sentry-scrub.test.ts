/** What a Sentry event may carry out of the process: built by hand, scrubbed as beforeSend would. */
import type { ErrorEvent } from '@sentry/node';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../lib/errors/index.ts';
import { pipelineContextOf, scrubBreadcrumb, scrubEvent } from '../../lib/runtime/sentry-scrub.ts';

const secret = 'someone@example.org';

function eventOf(messages: string[], extra: Partial<ErrorEvent> = {}): ErrorEvent {
  return {
    type: undefined,
    exception: {
      values: messages.map((value) => ({
        type: 'Error',
        value,
        stacktrace: { frames: [{ function: 'apply', lineno: 3, vars: { row: { email: secret } } }] },
      })),
    },
    ...extra,
  };
}

describe('scrubEvent', () => {
  it('removes request data, extras, the user, local variables and unknown contexts', () => {
    const scrubbed = scrubEvent(
      eventOf(['boom'], {
        request: { url: 'http://ops/metrics', data: { email: secret } },
        extra: { row: { email: secret } },
        user: { email: secret },
        contexts: {
          runtime: { name: 'node', version: 'v20' },
          row: { email: secret },
          pipeline: { table: 'partners', value: secret, offset: 42 },
        },
      }),
      { originalException: new Error('boom') },
    );
    expect(JSON.stringify(scrubbed)).not.toContain(secret);
    expect(scrubbed.contexts).toEqual({
      runtime: { name: 'node', version: 'v20' },
      pipeline: { table: 'partners', offset: 42 },
    });
    expect(scrubbed.exception?.values?.[0]).toMatchObject({ type: 'Error', value: 'boom' });
    expect(scrubbed.exception?.values?.[0]?.stacktrace?.frames?.[0]).toEqual({
      function: 'apply',
      lineno: 3,
    });
  });

  it('replaces the messages of errors that may quote a value with the code and the table', () => {
    const constraint = Object.assign(new Error(`duplicate key: Key (email)=(${secret}) already exists`), {
      code: '23505',
    });
    const error = new PipelineError(
      'CONSTRAINT_VIOLATION',
      `analytics_raw.partners rejected the row (SQLSTATE 23505): Key (email)=(${secret})`,
      { cause: constraint, details: { table: 'partners' } },
    );
    const scrubbed = scrubEvent(
      eventOf([error.message, constraint.message], { message: `failed: ${secret}` }),
      {
        originalException: error,
      },
    );
    expect(JSON.stringify(scrubbed)).not.toContain(secret);
    expect(scrubbed.exception?.values?.map((value) => value.value)).toEqual([
      'CONSTRAINT_VIOLATION on table partners (message withheld: it may quote row values)',
      'CONSTRAINT_VIOLATION on table partners (message withheld: it may quote row values)',
    ]);
  });

  it.each(['VALIDATION_FAILED', 'TRANSFORM_FAILED', 'DECODE_FAILED'] as const)(
    'withholds %s messages, also when only the event says the code',
    (code) => {
      const wrapped = new PipelineError('INTERNAL', 'applying a batch failed', {
        cause: new PipelineError(code, `column email: ${secret}`),
      });
      expect(JSON.stringify(scrubEvent(eventOf([secret]), { originalException: wrapped }))).not.toContain(
        secret,
      );
      const tagged = scrubEvent(eventOf([secret], { tags: { code, table: 'missions' } }));
      expect(tagged.exception?.values?.[0]?.value).toBe(
        `${code} on table missions (message withheld: it may quote row values)`,
      );
    },
  );

  it('withholds the message of a PostgreSQL data exception without a pipeline code', () => {
    const error = Object.assign(new Error(`invalid input syntax for type integer: "${secret}"`), {
      code: '22P02',
    });
    expect(JSON.stringify(scrubEvent(eventOf([error.message]), { originalException: error }))).not.toContain(
      secret,
    );
  });

  it('keeps other messages, truncated to 500 characters', () => {
    const long = `registry unavailable ${'x'.repeat(1_000)}`;
    const scrubbed = scrubEvent(eventOf([long], { message: long }), {
      originalException: new PipelineError('REGISTRY_UNAVAILABLE', long),
    });
    expect(scrubbed.exception?.values?.[0]?.value).toHaveLength(500);
    expect(scrubbed.exception?.values?.[0]?.value?.startsWith('registry unavailable')).toBe(true);
    expect(scrubbed.message).toHaveLength(500);
  });

  it("scrubs the breadcrumbs it carries and bounds tags' values", () => {
    const scrubbed = scrubEvent(
      eventOf(['boom'], {
        breadcrumbs: [
          { category: 'console', message: `row ${secret}` },
          { category: 'http', type: 'http', data: { url: `http://x/?email=${secret}` }, timestamp: 1 },
        ],
        tags: { service: 'raw-sink', long: 'y'.repeat(300) },
      }),
    );
    expect(scrubbed.breadcrumbs).toEqual([{ category: 'http', type: 'http', timestamp: 1 }]);
    expect(String(scrubbed.tags?.long)).toHaveLength(200);
  });
});

describe('scrubBreadcrumb', () => {
  it("drops console breadcrumbs and every breadcrumb's data", () => {
    expect(scrubBreadcrumb({ category: 'console', message: secret })).toBeNull();
    expect(
      scrubBreadcrumb({ category: 'query', level: 'info', message: 'SELECT 1', data: { params: [secret] } }),
    ).toEqual({ category: 'query', level: 'info', message: 'SELECT 1' });
  });
});

describe('pipelineContextOf', () => {
  it("takes identifiers from the caller and the errors' details, never other keys", () => {
    const error = new PipelineError('DECODE_FAILED', 'bad bytes', {
      details: { table: 'partners', topic: 'core.public.partners', value: secret },
    });
    expect(
      pipelineContextOf(error, { partition: 2, offset: '1234', stage: 'apply', row: secret }, 'raw-sink'),
    ).toEqual({
      service: 'raw-sink',
      table: 'partners',
      topic: 'core.public.partners',
      partition: 2,
      offset: '1234',
    });
  });
});
