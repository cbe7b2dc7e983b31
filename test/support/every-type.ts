/**
 * A core table with every supported PostgreSQL type, and rows with the extremes (shared by the reader's
 * round-trip test and the sink's core-to-raw test). The first insert takes the large text as $1. Row 5 holds
 * values their typed branch cannot hold (sent as exact text): arrays of another shape, year 294250.
 */
export const bigText = `zoë 😀 中文 ${'é'.repeat(512 * 1024)}`; // over 1 MB in UTF-8

export const ddl = `
  CREATE EXTENSION citext;
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE DOMAIN price AS numeric(10,2);
  CREATE TABLE every_type (
    id bigint PRIMARY KEY,
    c_int2 smallint, c_int4 integer, c_int8 bigint, c_oid oid, c_float4 real, c_float8 double precision,
    c_numeric numeric(60,10), c_numeric_free numeric, c_money money, c_bool boolean,
    c_text text, c_varchar varchar(20), c_bpchar char(5), c_char "char", c_name name, c_citext citext,
    c_bytea bytea, c_uuid uuid, c_json json, c_jsonb jsonb,
    c_date date, c_timestamp timestamp, c_timestamptz timestamptz, c_time time, c_timetz timetz,
    c_interval interval, c_inet inet, c_cidr cidr, c_macaddr macaddr, c_tsvector tsvector, c_point point,
    c_range int4range, c_enum mood, c_domain price,
    c_int_array int[], c_text_array text[], c_grid int[][], c_numeric_array numeric(10,2)[],
    c_enum_array mood[], c_uuid_array uuid[], c_ts_array timestamptz[], c_jsonb_array jsonb[]
  );`;

export const inserts = `
  INSERT INTO every_type VALUES (1,
    32767, 2147483647, 9223372036854775807, 4294967295, '3.4028235e38', '1.7976931348623157e308',
    '12345678901234567890123456789012345678901234567890.0123456789',
    '123456789012345678901234567890123456789012345.678901234567890123456789', '92233720368547758.07', true,
    $1, 'a,b "c"', 'ab', 'x', 'name', 'MiXeD',
    '\\x00ff', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{"b":1,  "a":2}', '{"b": 1, "a": [1, 2.50, null]}',
    '5874897-12-31', '9999-12-31 23:59:59.999999', '2026-11-21 15:30:00.123456+05:30', '24:00:00',
    '10:00:00.123456+05:30', '1 year 2 mons 3 days 04:05:06.789', '192.168.0.1/24', '10.0.0.0/8',
    '08:00:2b:01:02:03', 'fat cat', '(1.5,-2)', '[1,10)', 'happy', 12.5,
    '{1,NULL,-3}', ARRAY['a,b', 'c"d', 'e\\f', NULL, 'NULL', ''], '{{1,2},{3,4}}', '{1.5,NaN,NULL}',
    '{sad,happy}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{"2026-11-21 10:00:00+00",-infinity}',
    ARRAY['{"a": "x,y"}'::jsonb]);
  INSERT INTO every_type (id, c_int2, c_int4, c_int8, c_oid, c_float4, c_float8, c_numeric, c_numeric_free,
    c_money, c_bool, c_text, c_bytea, c_date, c_timestamp, c_timestamptz, c_time, c_int_array, c_text_array,
    c_grid)
  VALUES (2, -32768, -2147483648, -9223372036854775807, 0, 'NaN', '-Infinity', 'NaN', '-Infinity',
    '-92233720368547758.08', false, '', '\\x', '4714-11-24 BC', '4714-11-24 00:00:00 BC',
    '0044-03-15 10:00:00.5-03:00 BC', '00:00:00', '{}', '{}', '{}');
  INSERT INTO every_type (id) VALUES (3);
  INSERT INTO every_type (id, c_int8, c_float4, c_float8, c_numeric, c_numeric_free, c_date, c_timestamp,
    c_timestamptz)
  VALUES (-9223372036854775808, -9223372036854775808, 'Infinity', 'NaN', '-0.0000000001', 'Infinity',
    'infinity', 'infinity', '-infinity');
  INSERT INTO every_type (id, c_timestamp, c_timestamptz, c_int_array, c_text_array, c_grid, c_numeric_array,
    c_ts_array)
  VALUES (5, '294250-01-01 00:00:00', '294276-12-31 23:59:59.999999+00', '{{1,2},{3,4}}', '[0:1]={a,"b,c"}',
    '{1,2}', '[0:0]={1.50}', '{"294250-01-01 00:00:00+00"}');`;
