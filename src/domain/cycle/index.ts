export { requestedChanges, activeOverrides, gateChanges, canaryRef, noChangeMessage, goldenSummary, type RequestedValue } from './steps';
