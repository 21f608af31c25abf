export {
  temporalConnectionOptions,
  describeConnection,
  addressProblem,
  type TemporalConnectionOptions,
  type TemporalSection,
} from './options';
export {
  connectOrExplain,
  explainConnectError,
  probeHandshake,
  TemporalConnectionError,
  type HandshakeOutcome,
  type HandshakeReport,
} from './diagnose';
export {
  CUSTOM_SEARCH_ATTRIBUTES,
  ensureSearchAttributes,
  searchAttributeCommands,
  SearchAttributesError,
  type OperatorService,
  type SearchAttributeResult,
} from './search-attributes';
