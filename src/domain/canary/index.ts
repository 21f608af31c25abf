/** The canary judge (3.2-3.4): per-KPI evidence, error control, the always-valid sequence. */
export * from './judge';
export * from './sequential';
export * from './signals';
export * from './purpose';
export * from './stages';
export * from './adjust';
export * from './paired';
export * from './measurement';
