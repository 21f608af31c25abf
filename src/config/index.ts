export * from './schema';
export * from './card';
export { cardTerms, type CardTerms } from './card-terms';
export * from './errors';
export { FILE_LIMITS, FileTooLargeError, MAX_YAML_ALIASES, parseYaml, readTextFile } from './files';
export { loadConfig, parseConfig, storePath, defaultConfigPath } from './load';
export type { LoadedConfig } from './load';
