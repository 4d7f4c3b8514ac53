/**
 * Redaction of secrets in the runtime's log lines. The runtime never passes headers, bodies, prompts,
 * completions or error objects to the logger; the pino `redact` paths below are a second line of defence
 * for credentials (API keys and auth headers) should such a value ever reach a log call or a binding.
 * @packageDocumentation
 */

import type { Logger, redactOptions } from 'pino';

/** What replaces a redacted value. */
export const REDACTED = '[Redacted]';

/** Field names that hold credentials. */
const SECRET_FIELDS = ['apiKey', 'api_key', 'authorization', 'Authorization', '["x-api-key"]', '["api-key"]', '["X-Api-Key"]', '["Api-Key"]'];

/**
 * The pino `redact` paths the runtime's loggers use: every {@link SECRET_FIELDS} name at the top level and
 * up to three levels deep (`headers.authorization`, `request.headers["x-api-key"]`, `client.apiKey`, …).
 */
export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((field) => {
  const suffix = field.startsWith('[') ? field : `.${field}`;
  return [field, `*${suffix}`, `*.*${suffix}`, `*.*.*${suffix}`];
});

function userPaths(logger: Logger): { paths: string[]; censor?: redactOptions['censor']; remove?: boolean } {
  const redact = (logger as unknown as { redact?: string[] | redactOptions | null }).redact;
  if (Array.isArray(redact)) return { paths: redact };
  if (redact !== null && typeof redact === 'object' && Array.isArray(redact.paths)) {
    return { paths: redact.paths, censor: redact.censor, remove: redact.remove };
  }
  return { paths: [] };
}

/**
 * A child of `logger` that redacts credentials ({@link REDACT_PATHS}) in everything it and its own children
 * write. pino replaces a parent's `redact` on a child, so redact paths the parent logger was itself created
 * with as a child are kept; those of a root logger cannot be read back, but the runtime logs none of its
 * fields anyway. Created once per configuration: per-key loggers are children of this one and share its
 * compiled redaction.
 * @param logger - the configured pino logger.
 * @param bindings - bindings of the child (e.g. `{ component: 'llm-resilience' }`).
 */
export function redactingLogger(logger: Logger, bindings: Record<string, unknown> = {}): Logger {
  const inherited = userPaths(logger);
  const paths = [...new Set([...REDACT_PATHS, ...inherited.paths])];
  const redact: redactOptions = { paths, censor: inherited.censor ?? REDACTED };
  if (inherited.remove !== undefined) redact.remove = inherited.remove;
  return logger.child(bindings, { redact });
}
