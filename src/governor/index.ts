export { governorSettings } from './settings';
export { ConfigWatcher, type ConfigWatcherOptions, type PollResult } from './config-watcher';
