/**
 * The HTTP request handling of the provider emulator.
 * @packageDocumentation
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { EmulatorCounters } from './types';
import { Counters, ModelStats } from './counters';
import { faultTable, pickFault, type FaultKind, type FaultProbabilities, type FaultTable } from './faults';
import { goDuration, setRateLimitHeaders, setRetryAfterHeaders } from './headers';
import type { ResolvedEmulatorOptions } from './options';
import { isInvalid, parseChatRequest, type ParsedChatRequest } from './prompt';
import { ModelQuota } from './quota';
import {
  completionBody,
  completionText,
  INSUFFICIENT_QUOTA_BODY,
  invalidRequestBody,
  notFoundBody,
  OVERLOADED_BODY,
  rateLimitBody,
  SERVER_ERROR_BODY,
  streamBody,
  tooLargeBody,
  UNAVAILABLE_BODY,
} from './responses';

/** Request bodies above this size are answered with 413. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const JSON_TYPE = 'application/json';

/** Quota state and statistics of one model. */
interface ModelState {
  readonly quota: ModelQuota;
  readonly stats: ModelStats;
}

/** An admitted request waiting out its latency. */
interface Pending {
  readonly res: ServerResponse;
  readonly state: ModelState;
  readonly request: ParsedChatRequest;
  readonly fault: FaultKind | null;
  timer: NodeJS.Timeout | undefined;
}

/** The emulator's server: quota enforcement, fault injection, counters and the HTTP endpoints. */
export class EmulatorServer {
  private readonly server: Server;
  private readonly clock = (): number => performance.now();
  private readonly states = new Map<string, ModelState>();
  private readonly statsView = new Map<string, ModelStats>();
  private readonly pending = new Set<Pending>();
  private readonly stats = new Counters();
  private faults: FaultTable;
  private outage = false;
  private insufficientQuota: boolean;
  private sequence = 0;
  private closing: Promise<void> | undefined;

  /** @param options - validated options. */
  constructor(private readonly options: ResolvedEmulatorOptions) {
    this.faults = options.faults;
    this.insufficientQuota = options.insufficientQuota;
    this.server = createServer((req, res) => this.route(req, res));
  }

  /**
   * Starts listening on 127.0.0.1.
   * @returns the bound port.
   */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(this.options.port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /**
   * Cancels pending responses, destroys every connection and stops listening. Idempotent.
   * @returns resolves when the server is closed.
   */
  close(): Promise<void> {
    if (this.closing === undefined) {
      for (const pending of this.pending) clearTimeout(pending.timer);
      this.pending.clear();
      this.closing = new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeAllConnections();
      });
    }
    return this.closing;
  }

  /** @returns a snapshot of the counters. */
  counters(): EmulatorCounters {
    return this.stats.snapshot(this.statsView);
  }

  /** Zeroes the counters and clears the admission log (quota buckets are untouched). */
  resetCounters(): void {
    this.stats.reset();
    for (const stats of this.statsView.values()) stats.reset();
  }

  /** @param active - answer every chat request with 503 while true. */
  setOutage(active: boolean): void {
    this.outage = active;
  }

  /** @param active - answer every chat request with a 429 `insufficient_quota` while true. */
  setInsufficientQuota(active: boolean): void {
    this.insufficientQuota = active;
  }

  /** @param faults - new fault probabilities (undefined = none). */
  setFaults(faults: FaultProbabilities | undefined): void {
    this.faults = faultTable(faults);
  }

  /**
   * @param model - one model, or every model when omitted.
   * @returns admissions ordered by time.
   */
  admissions(model?: string): Array<{ at: number; tokens: number }> {
    const out: Array<{ at: number; tokens: number }> = [];
    const collect = (stats: ModelStats): void => {
      for (let i = 0; i < stats.admittedAt.length; i++) {
        out.push({ at: stats.admittedAt[i], tokens: stats.admittedTokens[i] });
      }
    };
    if (model !== undefined) {
      const stats = this.statsView.get(model);
      if (stats !== undefined) collect(stats);
    } else {
      for (const stats of this.statsView.values()) collect(stats);
      out.sort((a, b) => a.at - b.at);
    }
    return out;
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      this.chat(req, res);
      return;
    }
    req.resume();
    if (req.method === 'GET' && path === '/v1/models') {
      this.send(res, 200, this.modelsBody());
    } else if (req.method === 'GET' && path === '/health') {
      this.send(res, 200, '{"status":"ok"}');
    } else {
      this.send(res, 404, notFoundBody(req.method ?? 'GET', path));
    }
  }

  private modelsBody(): string {
    const data = [...this.options.models.keys()].map((id) => ({
      id,
      object: 'model',
      created: 0,
      owned_by: 'llm-resilience-emulator',
    }));
    return JSON.stringify({ object: 'list', data });
  }

  private chat(req: IncomingMessage, res: ServerResponse): void {
    const stats = this.stats;
    stats.begin();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    let ended = false;
    req.on('error', () => undefined);
    req.on('close', () => {
      if (!ended) {
        // The client went away before the body was complete.
        stats.aborted++;
        stats.end();
      }
    });
    req.on('end', () => {
      ended = true;
      if (size > MAX_BODY_BYTES) {
        this.badRequest(res, 413, `Request body exceeds ${MAX_BODY_BYTES} bytes.`, null);
        return;
      }
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        this.badRequest(
          res,
          400,
          'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly. The OpenAI API expects a JSON payload.)',
          null,
        );
        return;
      }
      this.chatRequest(res, json);
    });
  }

  private badRequest(res: ServerResponse, status: number, message: string, param: string | null): void {
    this.stats.badRequests++;
    this.send(res, status, invalidRequestBody(message, param));
    this.stats.end();
  }

  private state(model: string): ModelState {
    let state = this.states.get(model);
    if (state === undefined) {
      const limits = this.options.models.get(model) ?? this.options.defaults;
      state = { quota: new ModelQuota(limits, this.options.sliceMs, this.clock()), stats: new ModelStats() };
      this.states.set(model, state);
      this.statsView.set(model, state.stats);
    }
    return state;
  }

  private chatRequest(res: ServerResponse, json: unknown): void {
    const options = this.options;
    const stats = this.stats;
    if (this.closing !== undefined) {
      stats.aborted++;
      stats.end();
      return;
    }
    const request = parseChatRequest(json, options.countTokens, options.defaultMaxTokens);
    if (isInvalid(request)) {
      this.badRequest(res, 400, request.message, request.param);
      return;
    }
    const state = this.state(request.model);
    state.stats.requests++;
    if (this.outage) {
      stats.serverErrors++;
      this.send(res, 503, UNAVAILABLE_BODY);
      stats.end();
      return;
    }
    if (this.insufficientQuota) {
      stats.rateLimited++;
      state.stats.rateLimited++;
      this.send(res, 429, INSUFFICIENT_QUOTA_BODY);
      stats.end();
      return;
    }
    const cost = request.promptTokens + request.maxTokens;
    const now = this.clock();
    const refusal = state.quota.tryAdmit(cost, now);
    if (refusal !== null) {
      stats.rateLimited++;
      state.stats.rateLimited++;
      const headers = this.headers('application/json');
      setRateLimitHeaders(headers, state.quota);
      let body: string;
      if (refusal.tooLarge) {
        body = tooLargeBody(request.model, state.quota.limits.tokensPerMinute, cost);
      } else {
        setRetryAfterHeaders(headers, refusal.waitMs);
        const requests = refusal.kind === 'requests';
        const limit = requests ? state.quota.limits.requestsPerMinute : state.quota.limits.tokensPerMinute;
        const level = requests ? state.quota.minuteRequests.current() : state.quota.minuteTokens.current();
        body = rateLimitBody(
          request.model,
          refusal.kind,
          limit,
          Math.max(0, Math.ceil(limit - level)),
          requests ? 1 : cost,
          goDuration(refusal.waitMs),
        );
      }
      this.write(res, 429, headers, body);
      stats.end();
      return;
    }
    state.stats.admit(now, cost);
    const fault = pickFault(this.faults, options.random);
    const latency =
      options.latencyMax === options.latencyMin
        ? options.latencyMin
        : options.latencyMin + options.random() * (options.latencyMax - options.latencyMin);
    const pending: Pending = { res, state, request, fault, timer: undefined };
    if (latency <= 0) {
      this.respond(pending);
    } else {
      this.pending.add(pending);
      pending.timer = setTimeout(this.onTimer, latency, pending);
    }
  }

  private readonly onTimer = (pending: Pending): void => {
    this.pending.delete(pending);
    this.respond(pending);
  };

  private respond(pending: Pending): void {
    const { res, state, request, fault } = pending;
    const stats = this.stats;
    if (res.destroyed) {
      stats.aborted++;
    } else if (fault === null) {
      this.succeed(res, state, request);
    } else if (fault === 'drop') {
      stats.dropped++;
      res.socket?.destroy();
    } else {
      stats.serverErrors++;
      if (fault === 'serverError') this.send(res, 500, SERVER_ERROR_BODY);
      else if (fault === 'overloaded') this.send(res, 529, OVERLOADED_BODY);
      else this.send(res, 503, UNAVAILABLE_BODY);
    }
    stats.end();
  }

  private succeed(res: ServerResponse, state: ModelState, request: ParsedChatRequest): void {
    const options = this.options;
    const maxTokens = request.maxTokens;
    let completionTokens = 1 + Math.floor(options.random() * maxTokens);
    if (completionTokens > maxTokens) completionTokens = maxTokens;
    const quota = state.quota;
    const now = this.clock();
    if (options.refundUnusedCompletion) quota.refund(maxTokens - completionTokens, now);
    quota.refill(now);
    const stats = this.stats;
    stats.succeeded++;
    state.stats.succeeded++;
    stats.promptTokens += request.promptTokens;
    stats.completionTokens += completionTokens;
    const id = `chatcmpl-emu${this.sequence.toString(36)}`;
    const text = completionText(completionTokens);
    const headers = this.headers(request.stream ? 'text/event-stream' : JSON_TYPE);
    setRateLimitHeaders(headers, quota);
    const body = request.stream
      ? streamBody(id, request.model, text, request.promptTokens, completionTokens, request.includeUsage)
      : completionBody(id, request.model, text, request.promptTokens, completionTokens);
    this.write(res, 200, headers, body);
  }

  private headers(contentType: string): Record<string, string> {
    return { 'content-type': contentType, 'x-request-id': `req_emu${(this.sequence++).toString(36)}` };
  }

  private send(res: ServerResponse, status: number, body: string): void {
    this.write(res, status, this.headers(JSON_TYPE), body);
  }

  private write(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
    if (res.destroyed) return;
    headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(status, headers);
    res.end(body);
  }
}
