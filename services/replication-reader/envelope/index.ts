export {
  buildEnvelope,
  type Envelope,
  type EnvelopeContext,
  type MappedRows,
  readerVersion,
  type Source,
} from './build-envelope.ts';
export { buildEnvelopeSchema, type EnvelopeSchema, sourceSchema } from './envelope-schema.ts';
