export { depositBypassToken, takeBypassToken } from './bypass-box';
