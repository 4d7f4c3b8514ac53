/**
 * Runs the Redis store's scripts: each within `commandTimeoutMs`, only while {@link RedisHealth} lets it reach
 * Redis, and reporting every outcome to it with the command's send order. Until the client's first connection,
 * commands wait for it (the start-up window of {@link ConnectGate}).
 * @packageDocumentation
 */

import type { RedisHealth } from './health';
import type { RedisStoreClient } from './options';
import type { ConnectGate } from './startup';

/** Marks "Redis did not answer, or was not asked" (distinct from any reply). */
export const FAILED: unique symbol = Symbol('redis-failed');

/** A script to register on the client with `defineCommand`. */
export interface ScriptDefinition {
  /** The command name. */
  readonly name: string;
  /** Number of keys; undefined when given per call (the first argument). */
  readonly numberOfKeys: number | undefined;
  /** The Lua source. */
  readonly lua: string;
  /** Whether the script only reads. */
  readonly readOnly: boolean;
}

/** The custom commands `defineCommand` adds to the client. */
type ScriptCommand = (...args: Array<string | number>) => Promise<unknown>;

/** What the runner uses of an ioredis client. */
interface ScriptClient {
  readonly status: string;
  readonly isCluster: boolean;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void;
}

/**
 * Registers the scripts on the client and runs them. Every command gets a sequence number in send order, so
 * the health switch can tell a late answer (or a late timeout) of an old command from the news.
 */
export class CommandRunner {
  private readonly client: ScriptClient;
  private readonly commands: Record<string, ScriptCommand>;
  private sequence = 0;
  private error: unknown = undefined;

  /**
   * Registers `scripts` on the client (`defineCommand`: a Redis restart, failover or `SCRIPT FLUSH` costs one
   * reload, never an error).
   * @param client - a validated ioredis client.
   * @param scripts - the scripts to register.
   * @param health - the outage switch every outcome is reported to.
   * @param commandTimeoutMs - longest wait for one command (> 0).
   * @param gate - the start-up window commands wait through (none: commands never wait for a connection).
   */
  constructor(
    client: RedisStoreClient,
    scripts: readonly ScriptDefinition[],
    private readonly health: RedisHealth,
    readonly commandTimeoutMs: number,
    private readonly gate?: ConnectGate,
  ) {
    this.client = client;
    for (const script of scripts) {
      const definition: { lua: string; numberOfKeys?: number; readOnly?: boolean } = { lua: script.lua, readOnly: script.readOnly };
      if (script.numberOfKeys !== undefined) definition.numberOfKeys = script.numberOfKeys;
      this.client.defineCommand(script.name, definition);
    }
    this.commands = client as unknown as Record<string, ScriptCommand>;
  }

  /** Whether the client is a Redis Cluster client (a script call may then touch one slot only). */
  get isCluster(): boolean {
    return this.client.isCluster;
  }

  /** The newest failure (for the `'fail-closed'` error), or undefined. */
  get lastError(): unknown {
    return this.error;
  }

  /**
   * Runs one script within the command timeout (after the client's first connection, or the end of the start-up
   * window).
   * @param name - the registered command name.
   * @param args - its arguments (for a script without a fixed key count, the key count first).
   * @returns the reply, or {@link FAILED} when Redis could not (or, while degraded, should not) be asked.
   */
  async run(name: string, args: Array<string | number>): Promise<unknown> {
    const starting = this.gate?.waiting;
    if (starting !== undefined) await starting;
    const status = this.client.status;
    const ready = status === 'ready';
    const probe = this.health.degraded;
    if (!this.health.tryRedis(ready)) return FAILED;
    const seq = ++this.sequence;
    if (!ready) {
      this.fail(new Error(`the Redis client is "${status}", not "ready"`), probe, seq, status);
      return FAILED;
    }
    let reply: unknown;
    try {
      reply = await withTimeout(this.commands[name](...args), this.commandTimeoutMs);
    } catch (error) {
      this.fail(error, probe, seq);
      return FAILED;
    }
    this.health.succeeded(seq);
    return reply;
  }

  /**
   * Reports a reply that cannot be used (a script answering something else than its contract) as a failure,
   * ordered after every command sent so far.
   * @param error - what was wrong.
   */
  rejectReply(error: Error): void {
    this.fail(error, false, ++this.sequence);
  }

  private fail(error: unknown, probe: boolean, seq: number, status?: string): void {
    this.error = error;
    this.health.failed(error, probe, seq, status);
  }
}

/**
 * The command's promise, rejected after `timeoutMs`; the timer is cleared as soon as it settles. When the timer
 * fires, the rejection waits for the event loop's next I/O phase (`setImmediate`): after an event-loop stall
 * longer than the timeout, timers run before sockets are read, and a reply that arrived during the stall must
 * win over the timeout (a busy process is not a Redis outage).
 * @param command - the command in flight.
 * @param timeoutMs - the bound.
 */
export function withTimeout<T>(command: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (done) return;
        done = true;
        reject(new Error(`Redis did not answer within commandTimeoutMs ${timeoutMs} ms`));
      });
    }, timeoutMs);
    command.then(
      (value) => {
        clearTimeout(timer);
        if (done) return;
        done = true;
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (done) return;
        done = true;
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the command's own rejection passes through unchanged
        reject(error);
      },
    );
  });
}
