export { AdaptiveRetry } from './adaptive-retry';
export { RateLimited } from './rate-limited';
export { TokenBudget } from './token-budget';
export type { ArgsAccepted, PolicyDecorator } from './types';
