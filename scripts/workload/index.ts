/** The workload generator as a library, for tests and `npm run demo`. */
export {
  parseMix,
  parseTxSize,
  parseWorkloadOptions,
  type WorkloadInput,
  type WorkloadOptions,
} from './options.ts';
export { type Operation, planTransaction, WorkloadPlan } from './plan.ts';
export { Prng } from './prng.ts';
export { CoreReferences, countRows, loadReferences } from './references.ts';
export { formatReport, type TableReport, type WorkloadReport } from './report.ts';
export { type RunHooks, runWorkload } from './run.ts';
