/**
 * The vocabulary of PostgreSQL's built-in type names that sql-type.ts parses: the types with grammar of their
 * own, those `format_type` prints as plain names, the catalog spellings of both, and interval's fields.
 */
/** Built-in types whose name is special SQL grammar (keywords, several words, typmods in the middle). */
export const grammarTypes = [
  'smallint',
  'integer',
  'bigint',
  'real',
  'double precision',
  'numeric',
  'boolean',
  'character varying',
  'character',
  'bit',
  'bit varying',
  'time without time zone',
  'time with time zone',
  'timestamp without time zone',
  'timestamp with time zone',
  'interval',
  '"char"',
] as const;

/** Built-in types `format_type` prints as a plain name (any other plain name is taken as a user type). */
const plainTypes = [
  'text',
  'bpchar',
  'name',
  'bytea',
  'date',
  'uuid',
  'json',
  'jsonb',
  'jsonpath',
  'xml',
  'money',
  'inet',
  'cidr',
  'macaddr',
  'macaddr8',
  'oid',
  'xid',
  'xid8',
  'cid',
  'tid',
  'pg_lsn',
  'pg_snapshot',
  'txid_snapshot',
  'tsvector',
  'tsquery',
  'point',
  'line',
  'lseg',
  'box',
  'path',
  'polygon',
  'circle',
  'int4range',
  'int8range',
  'numrange',
  'tsrange',
  'tstzrange',
  'daterange',
  'int4multirange',
  'int8multirange',
  'nummultirange',
  'tsmultirange',
  'tstzmultirange',
  'datemultirange',
  'regclass',
  'regtype',
  'regproc',
  'regprocedure',
  'regoper',
  'regoperator',
  'regconfig',
  'regdictionary',
  'regnamespace',
  'regrole',
  'regcollation',
] as const;

export type BuiltinTypeName = (typeof grammarTypes)[number] | (typeof plainTypes)[number];

export const plainTypeNames: ReadonlySet<string> = new Set(plainTypes);

/** Catalog (typname) spellings of the built-ins, as a domain's base type or a hand-written migration has them. */
export const aliases: Readonly<Record<string, BuiltinTypeName>> = {
  int2: 'smallint',
  int4: 'integer',
  int: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  decimal: 'numeric',
  bool: 'boolean',
  varchar: 'character varying',
  char: 'character',
  varbit: 'bit varying',
  time: 'time without time zone',
  timetz: 'time with time zone',
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
};

export type IntervalFields =
  | 'year'
  | 'month'
  | 'day'
  | 'hour'
  | 'minute'
  | 'second'
  | 'year to month'
  | 'day to hour'
  | 'day to minute'
  | 'day to second'
  | 'hour to minute'
  | 'hour to second'
  | 'minute to second';

export const intervalFields: ReadonlySet<string> = new Set<IntervalFields>([
  'year',
  'month',
  'day',
  'hour',
  'minute',
  'second',
  'year to month',
  'day to hour',
  'day to minute',
  'day to second',
  'hour to minute',
  'hour to second',
  'minute to second',
]);
