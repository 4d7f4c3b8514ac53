import OpenAI from 'openai';
import { inject, injectable } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget, currentCall, estimateChatTokens } from '../../index';
import type { Ticket } from './tickets';

/** The OpenAI client the service uses (registered in the container by the demo). */
export const OPENAI_CLIENT = Symbol.for('demo:openai-client');

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

/** The output budget of every summary request (the provider charges it up front). */
export const MAX_COMPLETION_TOKENS = 60;

/** The request for one ticket. */
export function summaryRequest(ticket: Ticket, model: string): ChatRequest {
  return {
    model,
    max_completion_tokens: MAX_COMPLETION_TOKENS,
    messages: [
      { role: 'system', content: 'You are a support lead. Summarise the ticket in one sentence and name the product.' },
      { role: 'user', content: ticket.text },
    ],
  };
}

const modelKey = (req: ChatRequest) => `openai:${req.model}`;

/** A failure's line in the report: the error's `code` (an SDK's or node's), else its status, else its class name. */
export function failureName(error: unknown): string {
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (typeof code === 'string' || typeof code === 'number') return String(code);
  if (typeof status === 'number') return String(status);
  return error instanceof Error ? error.constructor.name : 'Error';
}

/**
 * A service as a user writes it: all three decorators; the limits for `openai:<model>` come from the named
 * policies given to `configureResilience`, not from this code.
 */
@injectable()
export class TicketSummarizer {
  /** Attempts made beyond the first, over all calls. */
  retries = 0;

  constructor(@inject(OPENAI_CLIENT) private readonly client: OpenAI) {}

  /** Summarises one ticket. */
  @AdaptiveRetry({ maxRetries: 6, baseDelayMs: 250, maxDelayMs: 30_000 })
  @RateLimited({ key: modelKey })
  @TokenBudget({ key: modelKey, estimate: (req: ChatRequest) => estimateChatTokens(req) })
  async summarize(req: ChatRequest): Promise<OpenAI.Chat.ChatCompletion> {
    const call = currentCall();
    if (call !== undefined && call.attempt > 1) this.retries++;
    return this.client.chat.completions.create(req, { signal: call?.signal });
  }
}
