/** Gives each test worker the local stack's connection variables, without overriding what the caller set. */
import { inject } from 'vitest';

for (const [name, value] of Object.entries(inject('stackEnv'))) {
  if (!process.env[name]) process.env[name] = value;
}
