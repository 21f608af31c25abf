export type { Alert, Alerter, AlertContext, AlertSink, Severity } from './types';
export { SEVERITY_RANK } from './types';
export { AlertRouter, type AlertRouterOptions, type AlertStats } from './router';
export { WebhookSink, AlertmanagerSink, webhookBody, alertmanagerAlert, splitCredentials, SERVICE, type HttpSinkOptions } from './sinks';
export { createAlerter, sinksFromConfig } from './from-config';
