/**
 * How a refusal is described in events and logs.
 * @packageDocumentation
 */

import { ResilienceError, logSafeMessage } from '../errors';

/**
 * A log-safe reason for a refusal: this library's own error messages (keys and numbers only, a wrapped foreign
 * error by its name), else just the error's name — never a foreign error's message.
 */
export function rejectionReason(error: unknown): string {
  if (error instanceof ResilienceError) return logSafeMessage(error);
  if (error instanceof Error) return error.name;
  return typeof error;
}
