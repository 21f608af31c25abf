export {
  temporalConnectionOptions,
  describeConnection,
  addressProblem,
  type TemporalConnectionOptions,
  type TemporalSection,
} from './options';
export {
  CUSTOM_SEARCH_ATTRIBUTES,
  ensureSearchAttributes,
  searchAttributeCommands,
  SearchAttributesError,
  type OperatorService,
  type SearchAttributeResult,
} from './search-attributes';
