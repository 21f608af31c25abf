export * from './schema';
export * from './card';
export { cardTerms, type CardTerms } from './card-terms';
export * from './errors';
export { loadConfig, parseConfig, storePath, defaultConfigPath } from './load';
export type { LoadedConfig } from './load';
