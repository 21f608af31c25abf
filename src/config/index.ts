export * from './schema';
export * from './card';
export * from './errors';
export { loadConfig, parseConfig, storePath, defaultConfigPath } from './load';
export type { LoadedConfig } from './load';
