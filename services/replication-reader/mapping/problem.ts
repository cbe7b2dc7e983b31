/**
 * What a text parser throws when a value does not fit: a message about the shape of the problem, never the
 * value itself (row data must not reach logs or errors). The row mapper adds the table and column.
 */
export class MappingProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingProblem';
  }
}

/**
 * A valid PostgreSQL value that the field's typed branches cannot hold (a 2-dimensional array in a column
 * declared `int[]`, a timestamp after Avro's 64-bit microsecond range): not a malformed text. A row field
 * carries it exactly through its `cdc.PgText` branch; only where there is none (a key field) is it a problem.
 */
export class Unrepresentable extends MappingProblem {
  constructor(message: string) {
    super(message);
    this.name = 'Unrepresentable';
  }
}
