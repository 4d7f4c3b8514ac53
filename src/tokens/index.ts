/**
 * Token accounting for rate limiting: counting text, estimating a request before it
 * is sent, and reading real usage from the response.
 */
export { countTextTokens, preloadTokenizer } from './count';
export { estimateChatTokens, DEFAULT_COMPLETION_RESERVATION } from './estimate';
export type { ChatRequestLike, ChatMessageLike, ContentPartLike, ToolCallLike, EstimateOptions, ResponsesInputItemLike, GeminiContentsLike } from './estimate';
export { usageTokens } from './usage';
