export { AdaptiveRetry } from './adaptive-retry';
export { RateLimited } from './rate-limited';
export { TokenBudget } from './token-budget';
export type { ArgsAccepted, PolicyDecorator } from './types';
// eslint-disable-next-line @typescript-eslint/no-deprecated -- kept exported so code written against earlier versions still compiles
export type { AsyncMethodDecorator } from './types';
