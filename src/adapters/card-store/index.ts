export { CardStore, cardSha256, parseCard, applyToCardYaml } from './card-store';
export type { CanaryOverlay, CardEdit, LoadedCard } from './card-store';
