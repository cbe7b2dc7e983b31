export { loadEnvFiles } from './env-file.ts';
export { type Config, ConfigError, type ConfigProblem, type LoadConfigOptions, loadConfig } from './load.ts';
export { type SectionName, secretVariables, sections } from './sections.ts';
