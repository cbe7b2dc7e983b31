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
