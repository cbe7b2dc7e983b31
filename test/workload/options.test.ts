import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../lib/errors/index.ts';
import { coreTables } from '../../scripts/demo/domain/tables.ts';
import { parseWorkloadCommand } from '../../scripts/workload/cli.ts';
import { parseMix, parseTxSize, parseWorkloadOptions } from '../../scripts/workload/options.ts';

function invalidOptionsMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).code).toBe('INVALID_ARGUMENT');
    return (error as Error).message;
  }
  throw new Error('expected the options to be rejected');
}

describe('parseMix', () => {
  it('reads weights and leaves unnamed actions at zero', () => {
    expect(parseMix('insert=70,update=20,delete=9,truncate=1')).toEqual({
      insert: 70,
      update: 20,
      delete: 9,
      truncate: 1,
    });
    expect(parseMix(' insert=1 , delete=0.5 ')).toEqual({ insert: 1, update: 0, delete: 0.5, truncate: 0 });
  });

  it.each([
    ['insert=70,upsert=5', /unknown action "upsert"/],
    ['insert=70,insert=5', /given twice/],
    ['insert:70', /action=weight/],
    ['insert=-1', /action=weight/],
    ['insert=0,update=0', /at least one weight must be positive/],
    ['', /action=weight/],
  ])('rejects %j', (text, message) => {
    expect(() => parseMix(text)).toThrow(message);
  });
});

describe('parseTxSize', () => {
  it('reads a fixed size or a range', () => {
    expect(parseTxSize('3')).toEqual({ min: 3, max: 3 });
    expect(parseTxSize('1-5')).toEqual({ min: 1, max: 5 });
  });

  it.each([
    ['0', /at least 1/],
    ['5-2', /reversed/],
    ['2-5000', /at most 1000/],
    ['many', /expected a number or a range/],
  ])('rejects %j', (text, message) => {
    expect(() => parseTxSize(text)).toThrow(message);
  });
});

describe('parseWorkloadOptions', () => {
  it('defaults to a throttled run over every table, without truncates', () => {
    const options = parseWorkloadOptions({});
    expect(options).toMatchObject({
      seed: 42,
      rate: 50,
      txSize: { min: 1, max: 5 },
      mix: { insert: 70, update: 20, delete: 10, truncate: 0 },
      tables: [...coreTables],
      largeTextRatio: 0.1,
    });
    expect(options.count).toBeUndefined();
    expect(options.durationSeconds).toBeUndefined();
  });

  it('accepts the library spelling of every option', () => {
    const options = parseWorkloadOptions({
      rate: 0,
      count: 10,
      mix: { insert: 1 },
      txSize: 4,
      tables: ['stat_events'],
      anchorMs: Date.UTC(2026, 0, 1),
    });
    expect(options).toMatchObject({
      rate: 0,
      count: 10,
      txSize: { min: 4, max: 4 },
      tables: ['stat_events'],
    });
    expect(options.mix).toEqual({ insert: 1, update: 0, delete: 0, truncate: 0 });
  });

  it('names every invalid option by its flag', () => {
    const message = invalidOptionsMessage(() =>
      parseWorkloadOptions({
        mix: 'insert=1,oops=2',
        txSize: '9-3',
        rate: -1,
        tables: 'missions,nope',
        largeTextRatio: 2,
      }),
    );
    expect(message).toMatch(/--mix: unknown action "oops"/);
    expect(message).toMatch(/--tx-size: range 9-3 is reversed/);
    expect(message).toMatch(/--rate: /);
    expect(message).toMatch(/--tables: expected table names/);
    expect(message).toMatch(/--large-text-ratio: /);
  });

  it('rejects a mix that cannot reach any of the selected tables', () => {
    const message = invalidOptionsMessage(() =>
      parseWorkloadOptions({ mix: 'truncate=1', tables: 'missions' }),
    );
    expect(message).toMatch(/--mix: no action of the mix can target the selected tables \(missions\)/);
  });
});

describe('parseWorkloadCommand', () => {
  it('maps the command line onto the options', () => {
    const command = parseWorkloadCommand([
      '--seed',
      '7',
      '--rate',
      'max',
      '--duration',
      '2.5',
      '--count',
      '10',
      '--mix',
      'insert=1,truncate=1',
      '--tx-size',
      '2-3',
      '--tables',
      'stat_events',
      '--large-text-ratio',
      '0.5',
      '--anchor',
      '2026-06-01',
      '--json',
    ]);
    expect(command.json).toBe(true);
    expect(command.options).toMatchObject({
      seed: 7,
      rate: 0,
      durationSeconds: 2.5,
      count: 10,
      mix: { insert: 1, update: 0, delete: 0, truncate: 1 },
      txSize: { min: 2, max: 3 },
      tables: ['stat_events'],
      largeTextRatio: 0.5,
      anchorMs: Date.UTC(2026, 5, 1),
    });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--count'], /--count/],
    [['--count', '0'], /--count: /],
    [['--duration', 'soon'], /--duration: /],
    [['--anchor', 'yesterday'], /--anchor: expected a date/],
  ])('rejects %j naming the option', (argv, message) => {
    expect(invalidOptionsMessage(() => parseWorkloadCommand(argv))).toMatch(message);
  });
});
