export {
  type CatalogColumn,
  type CatalogTable,
  type LoadTableOptions,
  loadConnectorTable,
  loadTableDefinition,
  publishedColumns,
} from './load-table.ts';
export type { Queryable } from './queries.ts';
