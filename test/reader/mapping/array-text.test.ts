import { describe, expect, it } from 'vitest';
import {
  type ArrayText,
  arrayDimensions,
  lowerBounds,
  MappingProblem,
  parseArrayText,
} from '../../../services/replication-reader/mapping/index.ts';

/** array_out's quoting rules (src/backend/utils/adt/arrayfuncs.c), to build round trips. */
function formatArrayText(value: ArrayText, delimiter = ','): string {
  const element = (item: string | null | ArrayText): string => {
    if (item === null) return 'NULL';
    if (Array.isArray(item)) return formatArrayText(item, delimiter);
    const needsQuotes =
      item === '' || item.toUpperCase() === 'NULL' || /[{}"\\\s]/.test(item) || item.includes(delimiter);
    return needsQuotes ? `"${item.replace(/["\\]/g, (char) => `\\${char}`)}"` : item;
  };
  return `{${value.map(element).join(delimiter)}}`;
}

/** Deterministic pseudo-random generator, so a failure reproduces. */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
  const alphabet = ['a', 'Z', '0', ',', ';', '"', '\\', '{', '}', ' ', '\t', '\n', 'é', '😀', 'N', 'U', 'L'];
  const text = () => {
    if (next() < 0.05) return 'NULL';
    if (next() < 0.05) return 'null';
    return Array.from(
      { length: Math.floor(next() * 8) },
      () => alphabet[Math.floor(next() * alphabet.length)],
    ).join('');
  };
  /** A rectangular array (as PostgreSQL requires) of the given number of dimensions. */
  const array = (depth: number): ArrayText => {
    const sizes = Array.from({ length: depth }, () => 1 + Math.floor(next() * 3));
    const fill = (level: number): ArrayText =>
      Array.from({ length: sizes[level] ?? 0 }, () =>
        level + 1 < depth ? fill(level + 1) : next() < 0.15 ? null : text(),
      );
    return fill(0);
  };
  return { next, array };
}

describe('PostgreSQL array text parser', () => {
  it.each<[string, ArrayText]>([
    ['{}', []],
    ['{1,2,3}', ['1', '2', '3']],
    ['{NULL,null,"NULL",""}', [null, null, 'NULL', '']],
    ['{"a,b","c\\"d","e\\\\f"," sp "}', ['a,b', 'c"d', 'e\\f', ' sp ']],
    [
      '{{1,2},{3,4}}',
      [
        ['1', '2'],
        ['3', '4'],
      ],
    ],
    [
      '{{{1},{2}},{{3},{4}}}',
      [
        [['1'], ['2']],
        [['3'], ['4']],
      ],
    ],
    ['[0:1]={7,8}', ['7', '8']],
    ['[1:2][1:1]={{7},{8}}', [['7'], ['8']]],
    ['{ a , b c ,  "d" }', ['a', 'b c', 'd']],
    ['{a\\,b,\\NULL}', ['a,b', 'NULL']],
    [
      '{2026-01-01 10:00:00+00,"2026-01-02 10:00:00+00"}',
      ['2026-01-01 10:00:00+00', '2026-01-02 10:00:00+00'],
    ],
    ['{"{\\"a\\": 1}"}', ['{"a": 1}']],
  ])('%s', (text, expected) => {
    expect(parseArrayText(text)).toEqual(expected);
  });

  it("parses box arrays with box's ';' delimiter", () => {
    expect(parseArrayText('{(3,4),(1,2);(1,1),(0,0)}', ';')).toEqual(['(3,4),(1,2)', '(1,1),(0,0)']);
  });

  it.each(['', '{', '{1,2', '{1,,2}', '{"a}', '{1}x', 'abc', '{a"b}', '{{1},2}', '{1,{2}}', '{,}', '{a\\'])(
    'rejects %j with a MappingProblem that does not quote the text',
    (text) => {
      let thrown: unknown;
      try {
        arrayDimensions(parseArrayText(text));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(MappingProblem);
      if (text.length > 3) expect((thrown as Error).message).not.toContain(text);
    },
  );

  it('reads the lower bounds array_out writes when one is not 1, and checks them against the elements', () => {
    expect(lowerBounds('{1,2}')).toBeUndefined();
    expect(lowerBounds('{}')).toBeUndefined();
    expect(lowerBounds('[0:1]={7,8}')).toEqual([0]);
    expect(lowerBounds('[-2:-1][1:2]={{1,2},{3,4}}')).toEqual([-2, 1]);
    // A quoted element that looks like bounds is an element.
    expect(lowerBounds('{"[0:1]={7,8}"}')).toBeUndefined();
    for (const text of ['[0:2]={7,8}', '[0:1]={{7},{8}}', '[0:1][1:1]={7,8}', '[0:0][1:2]={{1,2},{3,4}}']) {
      expect(() => parseArrayText(text), text).toThrow(MappingProblem);
    }
  });

  it('counts dimensions', () => {
    expect(arrayDimensions([])).toBe(0);
    expect(arrayDimensions(['1', null])).toBe(1);
    expect(arrayDimensions([['1'], ['2']])).toBe(2);
  });

  it('round-trips random arrays of awkward strings, in one to three dimensions', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = generator(seed);
      const depth = 1 + (seed % 3);
      const value = random.array(depth);
      const delimiter = seed % 7 === 0 ? ';' : ',';
      const text = formatArrayText(value, delimiter);
      expect(parseArrayText(text, delimiter), `seed ${seed}: ${text}`).toEqual(value);
      expect(arrayDimensions(value)).toBe(depth);
    }
  });
});
