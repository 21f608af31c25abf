/** The governor's rules (4.x, 9.x): its state, what operators and timers do to it, what outcomes do, drift and backoff. */
export * from './state';
export * from './control';
export * from './outcome';
export * from './payloads';
export * from './drift';
export * from './backoff';
