/**
 * Real Redis for the integration suites: starts `redis-server` processes on free loopback ports (no
 * persistence, data under the OS temp dir), a local 3-master Redis Cluster, kills and restarts a server on the
 * same port, and a TCP proxy that adds latency or cuts connections. `REDIS_URL` points the suites at an
 * existing server instead. Without either, the suites are skipped with one line saying how to enable them,
 * except under `CI=true`, where they fail.
 *
 * Every process started here is killed by `stop()`, and on process exit as a last resort.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How the suites reach Redis. */
export type RedisAvailability =
  | { readonly kind: 'binary' }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'none'; readonly reason: string };

const HOST = '127.0.0.1';
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    live.clear();
  };
  process.once('exit', killAll);
}

let binaryCache: { server: boolean; cli: boolean } | undefined;

/** Whether `redis-server` and `redis-cli` can be run. */
export function redisBinaries(): { server: boolean; cli: boolean } {
  if (binaryCache === undefined) {
    const runs = (cmd: string): boolean => {
      const result = spawnSync(cmd, ['--version'], { stdio: 'ignore', timeout: 5000 });
      return result.error === undefined && result.status === 0;
    };
    binaryCache = { server: runs('redis-server'), cli: runs('redis-cli') };
  }
  return binaryCache;
}

/** `REDIS_URL` when set, else a local `redis-server` binary, else none. */
export function redisAvailability(): RedisAvailability {
  const url = process.env.REDIS_URL;
  if (url !== undefined && url !== '') return { kind: 'url', url };
  if (redisBinaries().server) return { kind: 'binary' };
  return { kind: 'none', reason: 'no redis-server binary on PATH and REDIS_URL is not set' };
}

/** What a suite needs: any Redis, its own servers (kill/restart), or a cluster (servers + redis-cli). */
export type RedisNeed = 'any' | 'cluster';

function missing(need: RedisNeed): string | undefined {
  if (need === 'any') {
    const availability = redisAvailability();
    return availability.kind === 'none' ? availability.reason : undefined;
  }
  const bins = redisBinaries();
  if (bins.server && bins.cli) return undefined;
  return `the cluster suite needs redis-server and redis-cli on PATH (${bins.server ? 'redis-cli' : 'redis-server'} missing)`;
}

/** Prints the skip notice once per Jest run (workers share a marker file keyed by the Jest main process). */
function noticeOnce(text: string): void {
  const owner = typeof process.send === 'function' ? process.ppid : process.pid;
  const marker = join(tmpdir(), `llm-resilience-redis-skip-${owner}`);
  try {
    closeSync(openSync(marker, 'wx'));
  } catch {
    return; // already printed in this run
  }
  process.stderr.write(`${text}\n`);
}

/**
 * `describe` for a Redis suite: runs it when Redis is available; otherwise skips it with one notice line, or,
 * under `CI=true`, fails it.
 * @param name - the suite name.
 * @param need - what it needs.
 * @param body - the suite.
 */
export function describeRedis(name: string, need: RedisNeed, body: () => void): void {
  const why = missing(need);
  if (why === undefined) {
    describe(name, body);
    return;
  }
  const howTo = 'install redis-server (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL=redis://host:port';
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Redis (CI=true: Redis suites must run)', () => {
        throw new Error(`Redis suites cannot run under CI=true: ${why}; ${howTo}`);
      });
    });
    return;
  }
  noticeOnce(`[llm-resilience] Redis integration suites skipped: ${why}. To run them, ${howTo}.`);
  describe.skip(name, body);
}

/** A running `redis-server` (or, for `REDIS_URL`, a proxy in front of the external server). */
export interface RedisServerHandle {
  /** Loopback host. */
  readonly host: string;
  /** Port clients connect to. */
  readonly port: number;
  /** `redis://host:port`. */
  readonly url: string;
  /** Kills the server abruptly (SIGKILL), as a crash would; resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence); resolves once it answers PING. */
  restart(): Promise<void>;
  /** Stops it for good and removes its data dir. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface StartRedisOptions {
  /** Port; default a free one (whose +10000 cluster bus port is free too). */
  readonly port?: number;
  /** Extra `redis-server` arguments. */
  readonly args?: readonly string[];
}

/** A free loopback port `p` with `p + 10000` also free (the cluster bus), in 20000–55000. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 35000);
    if ((await portFree(port)) && (await portFree(port + 10000))) return port;
  }
  throw new Error('no free loopback port found');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** Sends one inline command over a fresh connection; resolves with the raw reply text (or rejects). */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply to ${command} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (replyComplete(data)) {
        clearTimeout(timer);
        socket.end();
        resolve(data);
      }
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function replyComplete(data: string): boolean {
  const eol = data.indexOf('\r\n');
  if (eol < 0) return false;
  if (!data.startsWith('$')) return true;
  const length = Number(data.slice(1, eol));
  return length < 0 || Buffer.byteLength(data, 'utf8') >= eol + 2 + length + 2;
}

async function waitForPing(port: number, child: ChildProcess, output: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited (${String(child.exitCode ?? child.signalCode)}): ${output()}`);
    }
    try {
      if ((await rawCommand(port, 'PING', 500)).startsWith('+PONG')) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `redis-server --port N --save "" --appendonly no` with its data dir under the OS temp dir, and
 * waits until it answers PING.
 */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServerHandle> {
  installExitHook();
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'llm-resilience-redis-'));
  const args = [
    '--port', String(port),
    '--bind', HOST,
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--daemonize', 'no',
    '--loglevel', 'warning',
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;
  let stopped = false;
  const spawnServer = async (): Promise<void> => {
    let output = '';
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    proc.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
    proc.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
    proc.once('error', (error) => (output += String(error)));
    try {
      await waitForPing(port, proc, () => output);
    } catch (error) {
      proc.kill('SIGKILL');
      await exited(proc);
      throw error;
    }
  };
  const kill = async (): Promise<void> => {
    const proc = child;
    if (proc === undefined) return;
    child = undefined;
    proc.kill('SIGKILL');
    await exited(proc);
  };
  await spawnServer();
  return {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    kill,
    restart: async () => {
      if (stopped) throw new Error('restart() after stop()');
      await kill();
      await spawnServer();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const proc = child;
      child = undefined;
      if (proc !== undefined) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited(proc);
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP proxy between clients and Redis that can add latency and cut or refuse connections. */
export interface TcpProxy {
  /** Port clients connect to. */
  readonly port: number;
  /** `redis://127.0.0.1:port`. */
  readonly url: string;
  /** Delay added to every chunk in both directions, ms (0: none). */
  latencyMs: number;
  /** Cuts every connection and refuses new ones until {@link resume}. */
  pause(): Promise<void>;
  /** Accepts connections again on the same port. */
  resume(): Promise<void>;
  /** Closes everything. */
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy on a free loopback port to `target`.
 * @param target - host and port of the real server.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let server: Server | undefined;
  const port = await freePort();
  const proxy: TcpProxy = {
    port,
    url: `redis://${HOST}:${port}`,
    latencyMs: 0,
    pause: async () => {
      const current = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    resume: async () => {
      if (server !== undefined) return;
      server = await listen();
    },
    close: async () => {
      await proxy.pause();
    },
  };
  const forward = (from: Socket, to: Socket): void => {
    // One FIFO per direction drained by one timer: bytes keep their order whatever the latency changes.
    const queue: Array<{ at: number; chunk: Buffer }> = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drain = (): void => {
      if (timer !== undefined) timers.delete(timer);
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && queue[0].at <= now) {
        const { chunk } = queue.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) {
        timer = setTimeout(drain, Math.max(0, queue[0].at - now));
        timers.add(timer);
      }
    };
    from.on('data', (chunk: Buffer) => {
      const now = performance.now();
      if (queue.length === 0 && proxy.latencyMs <= 0) {
        to.write(chunk);
        return;
      }
      const last = queue.length > 0 ? queue[queue.length - 1].at : 0;
      queue.push({ at: Math.max(now + proxy.latencyMs, last), chunk });
      if (timer === undefined) {
        timer = setTimeout(drain, Math.max(0, queue[0].at - now));
        timers.add(timer);
      }
    });
    from.once('close', () => {
      if (timer !== undefined) {
        clearTimeout(timer);
        timers.delete(timer);
        timer = undefined;
      }
    });
  };
  const listen = (): Promise<Server> =>
    new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection({ host: target.host, port: target.port });
        sockets.add(client);
        sockets.add(upstream);
        const close = (): void => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', close);
        upstream.on('error', close);
        client.on('close', close);
        upstream.on('close', close);
        forward(client, upstream);
        forward(upstream, client);
      });
      s.once('error', reject);
      s.listen(port, HOST, () => resolve(s));
    });
  server = await listen();
  return proxy;
}

/**
 * A Redis for one suite: a fresh local `redis-server`, or — with `REDIS_URL` — a proxy in front of the
 * external server (so `kill`/`restart` cut and restore connections instead of killing a server we do not own).
 */
export async function startRedis(): Promise<RedisServerHandle> {
  const availability = redisAvailability();
  if (availability.kind === 'binary') return startRedisServer();
  if (availability.kind === 'none') throw new Error(`no Redis: ${availability.reason}`);
  const target = new URL(availability.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  return {
    host: HOST,
    port: proxy.port,
    url: proxiedUrl(availability.url, proxy.port),
    kill: () => proxy.pause(),
    restart: async () => {
      await proxy.pause();
      await proxy.resume();
    },
    stop: () => proxy.close(),
  };
}

function proxiedUrl(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = HOST;
  u.port = String(port);
  return u.toString();
}

/** A local Redis Cluster. */
export interface RedisClusterHandle {
  /** The masters' addresses. */
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  /** Stops every node. */
  stop(): Promise<void>;
}

/**
 * Starts `masters` `redis-server --cluster-enabled yes` nodes, joins them with
 * `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`, and waits until every node reports
 * `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const servers: RedisServerHandle[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      servers.push(
        await startRedisServer({
          port,
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000'],
        }),
      );
    }
    const create = await new Promise<{ code: number | null; output: string }>((resolve) => {
      let output = '';
      const cli = spawn('redis-cli', ['--cluster', 'create', ...servers.map((s) => `${HOST}:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      live.add(cli);
      cli.stdout.on('data', (c: Buffer) => (output += c.toString()));
      cli.stderr.on('data', (c: Buffer) => (output += c.toString()));
      cli.once('exit', (code) => {
        live.delete(cli);
        resolve({ code, output });
      });
    });
    if (create.code !== 0) throw new Error(`redis-cli --cluster create failed (${String(create.code)}): ${create.output.slice(-1500)}`);
    const deadline = Date.now() + 15_000;
    for (const server of servers) {
      for (;;) {
        const info = await rawCommand(server.port, 'CLUSTER INFO').catch(() => '');
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${server.port} not ok: ${info}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: servers.map((s) => ({ host: s.host, port: s.port })), stop };
}
