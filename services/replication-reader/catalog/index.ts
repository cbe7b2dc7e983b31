export {
  type CatalogColumn,
  type CatalogTable,
  type LoadTableOptions,
  loadConnectorTable,
  loadTableDefinition,
  publishedColumns,
} from './load-table.ts';
export { type ColumnFillRow, listColumnFills, type Queryable } from './queries.ts';
export {
  describeRelationColumns,
  droppedTypeName,
  type RelationColumnType,
  relationColumn,
  type TypeFacts,
} from './relation-columns.ts';
