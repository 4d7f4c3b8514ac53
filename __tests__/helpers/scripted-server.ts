import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply: status, headers and JSON body. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A loopback HTTP server that answers OpenAI-style chat completion requests from a script (the last reply
 * repeats), recording when each request arrived. For scripted provider behaviour (429 then 200, 400, 5xx);
 * quota behaviour lives in the emulator.
 */
export async function startScriptedServer(script: Reply[]) {
  const arrivals: number[] = [];
  const bodies: unknown[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      arrivals.push(performance.now());
      bodies.push(raw ? JSON.parse(raw) : undefined);
      const reply = script[Math.min(arrivals.length - 1, script.length - 1)];
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body ?? okBody()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    arrivals,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A minimal chat.completion body. */
export function okBody(content = 'hello', totalTokens = 12) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 0,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: totalTokens - 2, completion_tokens: 2, total_tokens: totalTokens },
  };
}
