/**
 * Request counters and the admission log of the provider emulator.
 * @packageDocumentation
 */
import type { EmulatorCounters, EmulatorEndpoint, EmulatorEndpointCounters } from './types';

/** Per-model counters plus the log of quota admissions (kept as parallel number arrays). */
export class ModelStats {
  /** Requests received for the model (valid JSON with this `model`). */
  requests = 0;
  /** 200s sent. */
  succeeded = 0;
  /** 429s sent. */
  rateLimited = 0;
  /** Admission times (ms, `performance.now()` based). */
  readonly admittedAt: number[] = [];
  /** Token charge of each admission, parallel to {@link admittedAt}. */
  readonly admittedTokens: number[] = [];

  /** Zeroes the counters and clears the admission log. */
  reset(): void {
    this.requests = 0;
    this.succeeded = 0;
    this.rateLimited = 0;
    this.admittedAt.length = 0;
    this.admittedTokens.length = 0;
  }

  /**
   * Appends one admission.
   * @param at - admission time in ms.
   * @param tokens - up-front token charge.
   */
  admit(at: number, tokens: number): void {
    this.admittedAt.push(at);
    this.admittedTokens.push(tokens);
  }
}

/** How requests ended: the counts kept both emulator-wide and per endpoint. */
export class Outcomes {
  /** @see EmulatorCounters.requests */
  requests = 0;
  /** @see EmulatorCounters.succeeded */
  succeeded = 0;
  /** @see EmulatorCounters.rateLimited */
  rateLimited = 0;
  /** @see EmulatorCounters.serverErrors */
  serverErrors = 0;
  /** @see EmulatorCounters.dropped */
  dropped = 0;
  /** @see EmulatorCounters.badRequests */
  badRequests = 0;
  /** @see EmulatorCounters.aborted */
  aborted = 0;
  /** @see EmulatorCounters.streams */
  streams = 0;

  /** Zeroes every count. */
  reset(): void {
    this.requests = 0;
    this.succeeded = 0;
    this.rateLimited = 0;
    this.serverErrors = 0;
    this.dropped = 0;
    this.badRequests = 0;
    this.aborted = 0;
    this.streams = 0;
  }

  /** @returns a detached copy of the counts. */
  copy(): EmulatorEndpointCounters {
    return {
      requests: this.requests,
      succeeded: this.succeeded,
      rateLimited: this.rateLimited,
      serverErrors: this.serverErrors,
      dropped: this.dropped,
      badRequests: this.badRequests,
      aborted: this.aborted,
      streams: this.streams,
    };
  }
}

/** How a request ended, for {@link Counters.end}. */
export type Outcome = 'succeeded' | 'rateLimited' | 'serverErrors' | 'dropped' | 'badRequests' | 'aborted';

/** Emulator-wide counters, and the same counts per endpoint; see {@link EmulatorCounters}. */
export class Counters extends Outcomes {
  /** @see EmulatorCounters.promptTokens */
  promptTokens = 0;
  /** @see EmulatorCounters.completionTokens */
  completionTokens = 0;
  /** Requests currently being handled. */
  inFlight = 0;
  /** @see EmulatorCounters.maxConcurrent */
  maxConcurrent = 0;
  /** Per-endpoint counts, created on an endpoint's first request. */
  private readonly endpoints = new Map<EmulatorEndpoint, Outcomes>();

  /**
   * @param endpoint - an endpoint.
   * @returns its counts (created on first use).
   */
  endpoint(endpoint: EmulatorEndpoint): Outcomes {
    let outcomes = this.endpoints.get(endpoint);
    if (outcomes === undefined) {
      outcomes = new Outcomes();
      this.endpoints.set(endpoint, outcomes);
    }
    return outcomes;
  }

  /**
   * Marks a request as started and tracks the concurrency peak.
   * @param endpoint - the endpoint's counts.
   */
  begin(endpoint: Outcomes): void {
    this.requests++;
    endpoint.requests++;
    if (++this.inFlight > this.maxConcurrent) this.maxConcurrent = this.inFlight;
  }

  /**
   * Marks a request as finished (response sent, stream ended, socket destroyed or client gone).
   * @param endpoint - the endpoint's counts.
   * @param outcome - how it ended.
   */
  end(endpoint: Outcomes, outcome: Outcome): void {
    this[outcome]++;
    endpoint[outcome]++;
    this.inFlight--;
  }

  /** Zeroes every counter; the concurrency peak restarts from the current in-flight count. */
  override reset(): void {
    super.reset();
    for (const outcomes of this.endpoints.values()) outcomes.reset();
    this.promptTokens = 0;
    this.completionTokens = 0;
    this.maxConcurrent = this.inFlight;
  }

  /**
   * @param models - per-model stats.
   * @returns a detached snapshot.
   */
  snapshot(models: ReadonlyMap<string, ModelStats>): EmulatorCounters {
    // Null prototype: model names are user data ("__proto__" must stay a plain key).
    const perModel = Object.create(null) as EmulatorCounters['perModel'];
    for (const [model, stats] of models) {
      if (stats.requests === 0) continue;
      perModel[model] = { requests: stats.requests, succeeded: stats.succeeded, rateLimited: stats.rateLimited };
    }
    const perEndpoint: EmulatorCounters['perEndpoint'] = {};
    for (const [endpoint, outcomes] of this.endpoints) {
      if (outcomes.requests > 0) perEndpoint[endpoint] = outcomes.copy();
    }
    return {
      ...this.copy(),
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      maxConcurrent: this.maxConcurrent,
      perModel,
      perEndpoint,
    };
  }
}
