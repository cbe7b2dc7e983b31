/**
 * The reader's own settings, in the shape of lib/config's sections (keyed by environment variable so every
 * error names the variable; values never echoed), ready to move into lib/config/sections.ts.
 * - CDC_SLOT_NAME, CDC_PUBLICATION_NAME: the one slot and publication the reader owns.
 * - CDC_PSEUDONYMISATION_KEY: the HMAC key of pseudonymised columns (a secret: never log it).
 */
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../../../lib/config/index.ts';

export const slotNameVariable = 'CDC_SLOT_NAME';
export const publicationNameVariable = 'CDC_PUBLICATION_NAME';
export const pseudonymisationKeyVariable = 'CDC_PSEUDONYMISATION_KEY';

/** Shorter keys make pseudonyms guessable by brute force; 32 characters of a random secret are plenty. */
export const minimumPseudonymisationKeyLength = 32;

export const defaultSlotName = 'cdc_reader';
export const defaultPublicationName = 'cdc_publication';

/** PostgreSQL's own rule for slot names (ReplicationSlotValidateName). */
export const slotNamePattern = /^[a-z0-9_]{1,63}$/;
const publicationNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

export const readerSettingsSection = z
  .object({
    [slotNameVariable]: z
      .string()
      .regex(slotNamePattern, { message: 'must be 1-63 characters of a-z, 0-9 and _' })
      .default(defaultSlotName),
    [publicationNameVariable]: z
      .string()
      .regex(publicationNamePattern, { message: 'must be a lower-case SQL identifier' })
      .default(defaultPublicationName),
  })
  .transform((env) => ({ slotName: env[slotNameVariable], publicationName: env[publicationNameVariable] }));

export const pseudonymisationSection = z
  .object({
    [pseudonymisationKeyVariable]: z.string().min(minimumPseudonymisationKeyLength, {
      message: `must be at least ${minimumPseudonymisationKeyLength} characters`,
    }),
  })
  .transform((env) => ({ key: env[pseudonymisationKeyVariable] }));

export type ReaderSettings = z.output<typeof readerSettingsSection>;
export type PseudonymisationSettings = z.output<typeof pseudonymisationSection>;

function parseSection<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  // Same convention as lib/config: an empty variable means "unset".
  const input = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems: ConfigProblem[] = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(environment)');
    return { variable, message: input[variable] === undefined ? 'is required' : issue.message };
  });
  throw new ConfigError(problems);
}

/** Call after lib/runtime's `configure` (which has loaded the .env files). Throws ConfigError (exit code 2). */
export function loadReaderSettings(env: NodeJS.ProcessEnv = process.env): ReaderSettings {
  return parseSection(readerSettingsSection, env);
}

export function loadPseudonymisationSettings(env: NodeJS.ProcessEnv = process.env): PseudonymisationSettings {
  return parseSection(pseudonymisationSection, env);
}
