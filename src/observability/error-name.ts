/**
 * How the runtime names an error in a log line.
 * @packageDocumentation
 */

/**
 * The `name` of an error thrown by the user's own callback or listener (`TypeError`), the type of anything else.
 * Never its message: a listener's error may quote what it was handling (a JSON `SyntaxError` quotes its input),
 * and no log line may carry prompt text.
 */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
