export {
  createSchemaRegistryClient,
  keySubject,
  type RegistryClientOptions,
  type RegistrySettings,
  type SchemaRegistryClient,
  valueSubject,
} from './client.ts';
export { isTransientRegistryError, registrationError, requestError } from './errors.ts';
export { confluentMagicByte, frame, schemaIdOf } from './framing.ts';
