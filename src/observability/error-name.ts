/**
 * How the runtime names an error in a log line.
 * @packageDocumentation
 */

/**
 * `Name: message` of an error thrown by the user's own callback or listener (its code, its words); the type of
 * anything else. Never used for provider errors, whose messages may quote the request.
 */
export function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
}
