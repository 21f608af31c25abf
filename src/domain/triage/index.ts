/** The weekly triage (7.x): failure categories and patterns, bounds suggestions. */
export * from './types';
export * from './categorise';
export * from './suggest';
