/**
 * How a refusal is described in events and logs.
 * @packageDocumentation
 */

import { ResilienceError } from '../errors';

/**
 * A log-safe reason for a refusal: this library's own error messages (keys and numbers only), else just the
 * error's name — never a foreign error's message.
 */
export function rejectionReason(error: unknown): string {
  if (error instanceof ResilienceError) return error.message;
  if (error instanceof Error) return error.name;
  return typeof error;
}
