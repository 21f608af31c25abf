export { CardStore, cardSha256, parseCard, applyToCardYaml } from './card-store';
export type { CanaryOverlay, LoadedCard } from './card-store';
