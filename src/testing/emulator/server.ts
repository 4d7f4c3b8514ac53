/**
 * The HTTP request handling of the provider emulator: routing to a dialect, reading bodies, the quota check,
 * injected faults and latency, answers and streams, and the counters. Every endpoint goes through the same
 * steps; the dialect only reads and writes its wire format.
 * @packageDocumentation
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { EmulatorCounters, EmulatorStreamOptions } from './types';
import { ANTHROPIC_MESSAGES } from './anthropic-messages';
import { CHAT_COMPLETIONS } from './chat-completions';
import { Counters, ModelStats, type Outcome, type Outcomes } from './counters';
import { isInvalid, type Answer, type Dialect, type ParsedRequest, type RequestContext } from './dialect';
import { faultTable, pickFault, type FaultKind, type FaultProbabilities, type FaultTable } from './faults';
import { GEMINI } from './gemini';
import { OPENAI_RESPONSES } from './openai-responses';
import { notFoundBody } from './openai-errors';
import type { ResolvedEmulatorOptions } from './options';
import { ModelQuota } from './quota';
import { SseStream, type StreamOutcome } from './sse-stream';
import { pickStreamFault, resolveStreamOptions, type ResolvedStreamOptions } from './stream-options';

/** Request bodies above this size are answered with 413. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const JSON_TYPE = 'application/json';
const SSE_TYPE = 'text/event-stream; charset=utf-8';
/** `/v1beta/models/{model}:generateContent` (and `v1`, `v1alpha`, `:streamGenerateContent`). */
const GEMINI_PATH = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** Quota state and statistics of one model. */
interface ModelState {
  readonly quota: ModelQuota;
  readonly stats: ModelStats;
}

/** A valid request on its way through the steps. */
interface Exchange {
  readonly res: ServerResponse;
  readonly dialect: Dialect;
  readonly endpoint: Outcomes;
  readonly state: ModelState;
  readonly request: ParsedRequest;
}

/** An admitted request waiting out its latency. */
interface Pending extends Exchange {
  readonly fault: FaultKind | null;
  timer: NodeJS.Timeout | undefined;
}

/** A stream being written, with what its end must settle. */
interface OpenStream {
  readonly exchange: Exchange;
  readonly completionTokens: number;
  readonly tokensPerChunk: number;
}

/** The emulator's server: quota enforcement, fault injection, counters and the HTTP endpoints. */
export class EmulatorServer {
  private readonly server: Server;
  private readonly clock = (): number => performance.now();
  private readonly states = new Map<string, ModelState>();
  private readonly statsView = new Map<string, ModelStats>();
  private readonly pending = new Set<Pending>();
  private readonly streams = new Map<SseStream, OpenStream>();
  private readonly stats = new Counters();
  /** The context of bodies whose model is in the body (every endpoint but Gemini's). */
  private readonly bodyContext: RequestContext;
  private faults: FaultTable;
  private streaming: ResolvedStreamOptions;
  private outage = false;
  private insufficientQuota: boolean;
  private sequence = 0;
  private closing: Promise<void> | undefined;

  /** @param options - validated options. */
  constructor(private readonly options: ResolvedEmulatorOptions) {
    this.faults = options.faults;
    this.streaming = options.streaming;
    this.insufficientQuota = options.insufficientQuota;
    this.bodyContext = {
      countTokens: options.countTokens,
      defaultMaxTokens: options.defaultMaxTokens,
      pathModel: undefined,
      pathStream: false,
    };
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
   * Cancels pending responses and open streams, destroys every connection and stops listening. Idempotent.
   * @returns resolves when the server is closed.
   */
  close(): Promise<void> {
    if (this.closing === undefined) {
      for (const pending of this.pending) clearTimeout(pending.timer);
      this.pending.clear();
      for (const stream of this.streams.keys()) stream.cancel();
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

  /** @param active - answer every valid request with 503 while true. */
  setOutage(active: boolean): void {
    this.outage = active;
  }

  /** @param active - answer every valid request as an account out of credit while true. */
  setInsufficientQuota(active: boolean): void {
    this.insufficientQuota = active;
  }

  /** @param faults - new fault probabilities (undefined = none). */
  setFaults(faults: FaultProbabilities | undefined): void {
    this.faults = faultTable(faults);
  }

  /** @param streaming - new streaming options (undefined = defaults), for streams that start from now on. */
  setStreaming(streaming: EmulatorStreamOptions | undefined): void {
    this.streaming = resolveStreamOptions(streaming);
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
    if (req.method === 'POST') {
      if (path === '/v1/chat/completions') {
        this.receive(req, res, CHAT_COMPLETIONS, this.bodyContext);
        return;
      }
      if (path === '/v1/responses') {
        this.receive(req, res, OPENAI_RESPONSES, this.bodyContext);
        return;
      }
      if (path === '/v1/messages') {
        this.receive(req, res, ANTHROPIC_MESSAGES, this.bodyContext);
        return;
      }
      const gemini = GEMINI_PATH.exec(path);
      if (gemini !== null) {
        this.gemini(req, res, gemini[1], gemini[2] === 'streamGenerateContent', q === -1 ? '' : url.slice(q + 1));
        return;
      }
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

  private gemini(req: IncomingMessage, res: ServerResponse, encodedModel: string, stream: boolean, query: string): void {
    let model: string;
    try {
      model = decodeURIComponent(encodedModel);
    } catch {
      model = encodedModel;
    }
    if (stream && !new URLSearchParams(query).getAll('alt').includes('sse')) {
      const endpoint = this.stats.endpoint(GEMINI.endpoint);
      this.stats.begin(endpoint);
      req.resume();
      this.badRequest(res, GEMINI, endpoint, 400, 'The emulator streams streamGenerateContent only as server-sent events: add ?alt=sse.', null);
      return;
    }
    this.receive(req, res, GEMINI, { ...this.bodyContext, pathModel: model, pathStream: stream });
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

  /** Reads the body of a model request and hands it to {@link handle}. */
  private receive(req: IncomingMessage, res: ServerResponse, dialect: Dialect, context: RequestContext): void {
    const stats = this.stats;
    const endpoint = stats.endpoint(dialect.endpoint);
    stats.begin(endpoint);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    let ended = false;
    req.on('error', () => undefined);
    req.on('close', () => {
      // The client went away before the body was complete.
      if (!ended) stats.end(endpoint, 'aborted');
    });
    req.on('end', () => {
      ended = true;
      if (size > MAX_BODY_BYTES) {
        this.badRequest(res, dialect, endpoint, 413, `Request body exceeds ${MAX_BODY_BYTES} bytes.`, null);
        return;
      }
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        this.badRequest(res, dialect, endpoint, 400, dialect.invalidJsonMessage, null);
        return;
      }
      this.handle(res, dialect, endpoint, json, context);
    });
  }

  private badRequest(
    res: ServerResponse,
    dialect: Dialect,
    endpoint: Outcomes,
    status: number,
    message: string,
    param: string | null,
  ): void {
    this.write(res, status, this.headers(dialect, JSON_TYPE), dialect.invalid(status, message, param));
    this.stats.end(endpoint, 'badRequests');
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

  /** Validates, applies the switches and the quota, draws a fault, and waits out the latency. */
  private handle(res: ServerResponse, dialect: Dialect, endpoint: Outcomes, json: unknown, context: RequestContext): void {
    const options = this.options;
    const stats = this.stats;
    if (this.closing !== undefined) {
      stats.end(endpoint, 'aborted');
      return;
    }
    const request = dialect.parse(json, context);
    if (isInvalid(request)) {
      this.badRequest(res, dialect, endpoint, 400, request.message, request.param);
      return;
    }
    const state = this.state(request.model);
    state.stats.requests++;
    if (this.outage) {
      const reply = dialect.fault('unavailable');
      this.write(res, reply.status, this.headers(dialect, JSON_TYPE), reply.body);
      stats.end(endpoint, 'serverErrors');
      return;
    }
    if (this.insufficientQuota) {
      const reply = dialect.insufficientQuota();
      const outcome: Outcome = reply.status === 429 ? 'rateLimited' : 'badRequests';
      if (outcome === 'rateLimited') state.stats.rateLimited++;
      this.write(res, reply.status, this.headers(dialect, JSON_TYPE), reply.body);
      stats.end(endpoint, outcome);
      return;
    }
    const quota = state.quota;
    const cost = request.promptTokens + request.maxTokens;
    const now = this.clock();
    const refusal = quota.tryAdmit(cost, now);
    if (refusal !== null) {
      state.stats.rateLimited++;
      const headers = this.headers(dialect, JSON_TYPE);
      dialect.quotaHeaders(headers, quota);
      const body = dialect.rateLimited(headers, request, quota, refusal);
      this.write(res, 429, headers, body);
      stats.end(endpoint, 'rateLimited');
      return;
    }
    state.stats.admit(now, cost);
    const fault = pickFault(this.faults, options.random);
    const latency =
      options.latencyMax === options.latencyMin
        ? options.latencyMin
        : options.latencyMin + options.random() * (options.latencyMax - options.latencyMin);
    const pending: Pending = { res, dialect, endpoint, state, request, fault, timer: undefined };
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
    const { res, dialect, endpoint, fault } = pending;
    const stats = this.stats;
    if (res.destroyed) {
      stats.end(endpoint, 'aborted');
    } else if (fault === null) {
      this.succeed(pending);
    } else if (fault === 'drop') {
      res.socket?.destroy();
      stats.end(endpoint, 'dropped');
    } else {
      const reply = dialect.fault(fault);
      this.write(res, reply.status, this.headers(dialect, JSON_TYPE), reply.body);
      stats.end(endpoint, 'serverErrors');
    }
  }

  private succeed(exchange: Exchange): void {
    const { res, dialect, endpoint, state, request } = exchange;
    const options = this.options;
    const maxTokens = request.maxTokens;
    let completionTokens = 1 + Math.floor(options.random() * maxTokens);
    if (completionTokens > maxTokens) completionTokens = maxTokens;
    const answer: Answer = {
      sequence: this.sequence,
      model: request.model,
      promptTokens: request.promptTokens,
      completionTokens,
      maxTokens,
      includeUsage: request.includeUsage,
    };
    if (request.stream) {
      this.stream(exchange, answer);
      return;
    }
    const quota = state.quota;
    const now = this.clock();
    if (options.refundUnused) quota.refund(maxTokens - completionTokens, now);
    quota.refill(now);
    const stats = this.stats;
    state.stats.succeeded++;
    stats.promptTokens += request.promptTokens;
    stats.completionTokens += completionTokens;
    const headers = this.headers(dialect, JSON_TYPE);
    dialect.quotaHeaders(headers, quota);
    this.write(res, 200, headers, dialect.body(answer));
    stats.end(endpoint, 'succeeded');
  }

  /** Starts a streamed answer: headers now (quota as charged up front), frames as the options pace them. */
  private stream(exchange: Exchange, answer: Answer): void {
    const { res, dialect, endpoint, state } = exchange;
    const streaming = this.streaming;
    state.quota.refill(this.clock());
    const headers = this.headers(dialect, SSE_TYPE);
    dialect.quotaHeaders(headers, state.quota);
    headers['cache-control'] = 'no-cache';
    const plan = dialect.stream(answer, streaming.tokensPerChunk);
    this.stats.streams++;
    endpoint.streams++;
    const open: OpenStream = { exchange, completionTokens: answer.completionTokens, tokensPerChunk: streaming.tokensPerChunk };
    if (streaming.immediate) {
      res.writeHead(200, headers);
      res.end(plan.opening + plan.chunks.join('') + plan.closing);
      this.settle(open, 'succeeded', plan.chunks.length);
      return;
    }
    res.writeHead(200, headers);
    const fault = pickStreamFault(streaming, plan.chunks.length, this.options.random);
    const stream = new SseStream(res, plan, streaming, fault, this.options.random, this.onStreamEnd);
    this.streams.set(stream, open);
    stream.start();
  }

  private readonly onStreamEnd = (stream: SseStream, outcome: StreamOutcome, sentChunks: number): void => {
    const open = this.streams.get(stream);
    if (open === undefined) return;
    this.streams.delete(stream);
    this.settle(open, outcome, sentChunks);
  };

  /** Refunds what a stream did not deliver (with `refundUnused`) and counts how it ended. */
  private settle(open: OpenStream, outcome: StreamOutcome, sentChunks: number): void {
    const { endpoint, state, request } = open.exchange;
    const sentTokens = sentChunks * open.tokensPerChunk;
    const delivered = sentTokens < open.completionTokens ? sentTokens : open.completionTokens;
    if (this.options.refundUnused) state.quota.refund(request.maxTokens - delivered, this.clock());
    if (outcome === 'succeeded') {
      state.stats.succeeded++;
      this.stats.promptTokens += request.promptTokens;
      this.stats.completionTokens += open.completionTokens;
    }
    this.stats.end(endpoint, outcome);
  }

  private headers(dialect: Dialect, contentType: string): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': contentType };
    const id = `req_emu${(this.sequence++).toString(36)}`;
    if (dialect.requestIdHeader !== null) headers[dialect.requestIdHeader] = id;
    return headers;
  }

  private send(res: ServerResponse, status: number, body: string): void {
    this.write(res, status, this.headers(CHAT_COMPLETIONS, JSON_TYPE), body);
  }

  private write(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
    if (res.destroyed) return;
    headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(status, headers);
    res.end(body);
  }
}
