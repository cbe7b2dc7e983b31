export { classifyError, type ErrorDisposition, isRetriable } from './classify.ts';
export {
  causeChain,
  type ErrorCode,
  errorCodes,
  PipelineError,
  type PipelineErrorOptions,
} from './pipeline-error.ts';
