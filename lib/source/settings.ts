/**
 * The reader's source settings (slot, publication, pseudonymisation key), defined with the other sections in
 * lib/config and re-exported here under the names the source set-up uses.
 */
import { type Config, loadConfig, sections } from '../config/index.ts';

export {
  defaultPublicationName,
  defaultSlotName,
  minimumPseudonymisationKeyLength,
  slotNamePattern,
} from '../config/sections.ts';

export const slotNameVariable = 'CDC_SLOT_NAME';
export const publicationNameVariable = 'CDC_PUBLICATION_NAME';
export const pseudonymisationKeyVariable = 'CDC_PSEUDONYMISATION_KEY';

export const readerSettingsSection = sections.replication;
export const pseudonymisationSection = sections.pseudonymisation;

export type ReaderSettings = Config<'replication'>['replication'];
export type PseudonymisationSettings = Config<'pseudonymisation'>['pseudonymisation'];

/** Call after lib/runtime's `configure` (which has loaded the .env files). Throws ConfigError (exit code 2). */
export function loadReaderSettings(env: NodeJS.ProcessEnv = process.env): ReaderSettings {
  return loadConfig(['replication'], { env, envFiles: false }).replication;
}

export function loadPseudonymisationSettings(env: NodeJS.ProcessEnv = process.env): PseudonymisationSettings {
  return loadConfig(['pseudonymisation'], { env, envFiles: false }).pseudonymisation;
}
