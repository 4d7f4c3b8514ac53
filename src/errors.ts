/**
 * Error types thrown by llm-resilience. Every one extends {@link ResilienceError} and carries a
 * stable string `code`, so callers can branch on `err.code` without `instanceof` across bundles.
 * @packageDocumentation
 */

/** Log-safe messages of errors that wrap a foreign one (its message may quote a prompt): see {@link logSafeMessage}. */
const LOG_SAFE = new WeakMap<ResilienceError, string>();

/**
 * The error's message for logs and events: this library's own words, with a wrapped foreign error named by its
 * `name` only (a provider's error message may quote the prompt). Not part of the public API.
 * @param error - one of this library's errors.
 */
export function logSafeMessage(error: ResilienceError): string {
  return LOG_SAFE.get(error) ?? error.message;
}

/** Base class of every error this toolkit throws. */
export abstract class ResilienceError extends Error {
  /** A stable machine-readable identifier, e.g. `RETRY_EXHAUSTED`. */
  abstract readonly code: string;

  /** @param message - human-readable description. @param options - standard `ErrorOptions` (`cause`). */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Why a retry loop stopped without success. */
export type RetryStopReason =
  /** All `maxRetries + 1` attempts failed with retryable errors. */
  | 'max-retries'
  /** The server asked for a wait longer than `maxDelayMs`. */
  | 'server-wait-exceeds-max-delay'
  /** The next attempt (after its delay) would start after `deadlineMs`. */
  | 'deadline'
  /** The key's retry budget was spent (retry storm protection). */
  | 'retry-budget'
  /** The key's overload breaker opened while the call was retrying. */
  | 'circuit-open';

/** The call was retried and did not succeed; `cause` is the last attempt's error. */
export class RetryExhaustedError extends ResilienceError {
  /** @inheritDoc */
  readonly code = 'RETRY_EXHAUSTED';

  /**
   * @param attempts - number of attempts made (the first call counts as one).
   * @param reason - why the loop stopped.
   * @param cause - the last attempt's error.
   * @param detail - optional extra sentence for the message.
   */
  constructor(
    readonly attempts: number,
    readonly reason: RetryStopReason,
    override readonly cause: unknown,
    detail?: string,
  ) {
    const head = `Gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} (${reason})${detail ? `: ${detail}` : ''}`;
    super(`${head}${attempts > 0 ? `; last error: ${describe(cause)}` : ''}`, { cause });
    LOG_SAFE.set(this, `${head}${attempts > 0 ? `; last error: ${logSafeReason(cause)}` : ''}`);
  }
}

/**
 * Which of a limit's bounds refused a call: `onLimit` (`'reject'` and no capacity now), `maxWaitMs` (capacity
 * frees too late) or `maxQueue` (too many calls waiting).
 */
export type LimitBound = 'onLimit' | 'maxWaitMs' | 'maxQueue';

/** Capacity for the key could not be obtained within the policy's bounds (`onLimit`, `maxWaitMs`, `maxQueue`). */
export class RateLimitExceededError extends ResilienceError {
  /** @inheritDoc */
  readonly code = 'RATE_LIMIT_EXCEEDED';

  /**
   * @param key - the limit key that refused.
   * @param retryAfterMs - estimated milliseconds until capacity frees (≥ 0).
   * @param bound - which bound refused.
   * @param detail - the bound and its value, for the message.
   */
  constructor(
    readonly key: string,
    readonly retryAfterMs: number,
    readonly bound: LimitBound,
    detail: string,
  ) {
    super(`Rate limit for "${key}" exceeded (${detail}); retry after ${Math.ceil(retryAfterMs)} ms`);
  }
}

/** A call's token demand can never fit (larger than the per-minute limit) or the daily budget is spent. */
export class TokenBudgetExceededError extends ResilienceError {
  /** @inheritDoc */
  readonly code = 'TOKEN_BUDGET_EXCEEDED';

  /**
   * @param key - the budget key.
   * @param requested - tokens the call asked for.
   * @param capacity - the most the budget can ever grant (per minute, or what is left of the day).
   * @param detail - which budget refused.
   */
  constructor(
    readonly key: string,
    readonly requested: number,
    readonly capacity: number,
    detail: string,
  ) {
    super(`Token budget for "${key}" cannot serve ${requested} tokens (${detail}; capacity ${capacity})`);
  }
}

/** Which timeout elapsed: the whole attempt, the wait for a stream's first chunk, or the gap between chunks. */
export type TimeoutPhase = 'attempt' | 'first-chunk' | 'idle';

/**
 * One attempt ran longer than `attemptTimeoutMs`, or a stream sent no first chunk within `firstChunkTimeoutMs`;
 * retryable while nothing has reached the caller. (Between chunks, `idleTimeoutMs` ends the stream with a
 * {@link StreamInterruptedError} whose cause is this error.)
 */
export class AttemptTimeoutError extends ResilienceError {
  /** @inheritDoc */
  readonly code = 'ATTEMPT_TIMEOUT';

  /**
   * @param timeoutMs - the timeout that elapsed.
   * @param phase - which one (default `attempt`).
   */
  constructor(
    readonly timeoutMs: number,
    readonly phase: TimeoutPhase = 'attempt',
  ) {
    super(
      phase === 'attempt'
        ? `Attempt timed out after ${timeoutMs} ms`
        : phase === 'first-chunk'
          ? `No first chunk of the stream within ${timeoutMs} ms`
          : `No chunk of the stream for ${timeoutMs} ms`,
    );
  }
}

/**
 * A stream failed after content had reached the caller: it is never sent again (the caller already consumed part
 * of it), so the failure surfaces to the consumer. `cause` is the provider's error, an {@link AttemptTimeoutError}
 * (`idle` or `attempt`), or the caller's abort reason.
 */
export class StreamInterruptedError extends ResilienceError {
  /** @inheritDoc */
  readonly code = 'STREAM_INTERRUPTED';

  /**
   * @param key - the call's key.
   * @param chunks - chunks delivered before the failure.
   * @param cause - what ended the stream.
   */
  constructor(
    readonly key: string,
    readonly chunks: number,
    override readonly cause: unknown,
  ) {
    const head = `Stream for "${key}" interrupted after ${chunks} chunk${chunks === 1 ? '' : 's'}`;
    super(`${head}: ${describe(cause)}`, { cause });
    LOG_SAFE.set(this, `${head}: ${logSafeReason(cause)}`);
  }
}

/** Invalid policy options, raised when the decorator is applied (or when a named policy is missing at call time). */
export class PolicyConfigError extends ResilienceError {
  /** @inheritDoc */
  readonly code = 'POLICY_CONFIG';

  /**
   * @param where - `Class.method` the decorator is on.
   * @param option - the option name, e.g. `maxRetries`.
   * @param value - the rejected value.
   * @param expected - what would have been accepted.
   */
  constructor(
    readonly where: string,
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`${where}: invalid option "${option}" = ${showValue(value)}; expected ${expected}`);
    // not enumerable: a logger serialising the error (pino's `err`) must not write out the value itself — an
    // ioredis client passed as `store` carries its password
    Object.defineProperty(this, 'value', { enumerable: false });
  }
}

/** The key's overload breaker is open: the provider is failing, calls fail fast until a probe succeeds. */
export class CircuitOpenError extends ResilienceError {
  /** @inheritDoc */
  readonly code = 'CIRCUIT_OPEN';

  /**
   * @param key - the key whose breaker is open.
   * @param retryAfterMs - ms until the breaker lets a probe through.
   */
  constructor(
    readonly key: string,
    readonly retryAfterMs: number,
  ) {
    super(`Circuit for "${key}" is open after repeated provider failures; next probe in ${Math.ceil(retryAfterMs)} ms`);
  }
}

/** The limiter store is unavailable and the policy says to fail closed. */
export class StoreUnavailableError extends ResilienceError {
  /** @inheritDoc */
  readonly code = 'STORE_UNAVAILABLE';

  /** @param cause - the store's error. */
  constructor(cause: unknown) {
    super(`Limiter store unavailable: ${describe(cause)}`, { cause });
    LOG_SAFE.set(this, `Limiter store unavailable: ${logSafeReason(cause)}`);
  }
}

/**
 * An error for events and logs: this library's own by its log-safe message (keys and numbers only, a wrapped
 * foreign error by its name), a foreign one by its name only — never a foreign error's message, which may quote
 * the prompt. Not part of the public API.
 * @param error - what was thrown.
 */
export function logSafeReason(error: unknown): string {
  if (error instanceof ResilienceError) return logSafeMessage(error);
  if (error instanceof Error) return error.name;
  return typeof error;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return showValue(error);
}

/** Longest text of a value in a message. */
const MAX_SHOWN = 200;

/** Option names whose string values are never shown (a connection string, a password, an API key). */
const SECRET_NAME = /pass|secret|api_?key|auth|credential|token$|^ur[il]$/i;

/** The user-info part of a URL (`redis://user:password@host`): hidden wherever a string is shown. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi;

/**
 * A value for an error message: primitives as written (a URL's user and password hidden), a plain object or array
 * as JSON with the strings of secret-looking fields hidden and functions named, an instance of a class by its
 * class only (its fields may hold a password: an ioredis client does). At most {@link MAX_SHOWN} characters.
 * Not part of the public API.
 * @param value - the value to show.
 */
export function showValue(value: unknown): string {
  const text = typeof value === 'object' && value !== null && !isPlain(value) ? showInstance(value) : showPlain(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

function showPlain(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.replace(URL_CREDENTIALS, '$1[hidden]@'));
  if (typeof value === 'number' || value === undefined) return String(value);
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  try {
    // undefined, despite its declared type, when a toJSON returns undefined
    const json: string | undefined = JSON.stringify(value, (name, field: unknown) => {
      if (typeof field === 'function') return showPlain(field);
      if (typeof field === 'string') return SECRET_NAME.test(name) ? '[hidden]' : field.replace(URL_CREDENTIALS, '$1[hidden]@');
      if (typeof field === 'object' && field !== null && !isPlain(field)) return `[${showInstance(field)}]`;
      return field;
    });
    return json ?? 'an object that cannot be shown'; // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- JSON.stringify returns undefined when a toJSON does
  } catch {
    return 'an object that cannot be shown'; // a cycle or a bigint inside
  }
}

/** A plain object (literal, `Object.create(null)`) or an array. */
function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** An instance by its class; one whose class is `Object` (`console`) by its first keys. */
function showInstance(value: object): string {
  const name = className(value);
  if (name !== 'Object') return `an instance of ${name}`;
  const keys = Object.keys(value);
  return `an object with keys ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}`;
}

function className(value: object): string {
  const constructor = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor;
  return typeof constructor?.name === 'string' && constructor.name !== '' ? constructor.name : 'Object';
}
