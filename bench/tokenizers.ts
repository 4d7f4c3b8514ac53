/**
 * Tokenizer benchmark: gpt-tokenizer vs js-tiktoken, and the chars/4 heuristic.
 *
 * Measures cold import time (fresh child processes), warm throughput on a generated
 * corpus (support tickets, code, non-English), exact agreement of token ids between the
 * two BPE ports for o200k_base and cl100k_base, the error of chars/4 against BPE, the
 * cost of a pathological 4,000-character run, and estimateChatTokens per call.
 *
 * Run from the repository root:
 *   npx tsc --outDir /tmp/tb --module commonjs --target es2022 --esModuleInterop \
 *     --skipLibCheck --types node bench/tokenizers.ts src/tokens/*.ts
 *   NODE_PATH=$PWD/node_modules node /tmp/tb/bench/tokenizers.js
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { countTextTokens } from '../src/tokens/count';
import { estimateChatTokens } from '../src/tokens/estimate';
import { seededRandom } from '../src/testing/seeded-random';

interface GptEncodingModule {
  encode(text: string, options?: { disallowedSpecial: Set<string> }): number[];
  countTokens(text: string, options?: { disallowedSpecial: Set<string> }): number;
}
interface TiktokenLike {
  encode(text: string, allowed?: string[] | 'all', disallowed?: string[] | 'all'): number[];
}
type TiktokenCtor = new (ranks: unknown) => TiktokenLike;

const AS_TEXT = { disallowedSpecial: new Set<string>() };

// ---------------------------------------------------------------- corpus

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

const NAMES = ['Alice', 'Bob', 'Carmen', 'Deepak', 'Eun-ji', 'Farouk', 'Greta', 'Hiro'];
const PRODUCTS = ['wireless headphones', 'standing desk', 'espresso machine', 'USB-C hub', 'router'];
const ISSUES = [
  'arrived with a cracked housing',
  'stopped charging after two days',
  'was charged twice on my credit card',
  "doesn't pair with my laptop running macOS 14.4",
  'shows error code E-1042 on startup',
  'was delivered to the wrong address',
];
const ASKS = [
  'Could you please issue a refund?',
  'I would like a replacement shipped as soon as possible.',
  'Can someone call me back at +1 (415) 555-0142?',
  'Please escalate this, it is the third time I am writing.',
  'What are my options under the 30-day return policy?',
];

function ticket(r: () => number): string {
  const lines: string[] = [];
  const who = pick(r, NAMES);
  lines.push(`Subject: Order #${100000 + Math.floor(r() * 900000)} - ${pick(r, PRODUCTS)}`);
  lines.push(`Hi support team,\n`);
  const k = 2 + Math.floor(r() * 5);
  for (let i = 0; i < k; i++) {
    lines.push(
      `The ${pick(r, PRODUCTS)} I bought on ${1 + Math.floor(r() * 28)}/0${1 + Math.floor(r() * 9)}/2025 ` +
        `${pick(r, ISSUES)}. ${pick(r, ASKS)}`,
    );
  }
  lines.push(`\nThanks,\n${who} (${who.toLowerCase()}@example.com)`);
  return lines.join('\n');
}

const IDENTS = ['userId', 'orderTotal', 'retryAfterMs', 'bucket', 'tokensPerMinute', 'response', 'payload'];

function code(r: () => number): string {
  const out: string[] = [];
  const fns = 3 + Math.floor(r() * 5);
  for (let i = 0; i < fns; i++) {
    const a = pick(r, IDENTS);
    const b = pick(r, IDENTS);
    out.push(
      `export async function handle${i}(${a}: number, ${b}: string[]): Promise<Record<string, unknown>> {\n` +
        `  const started = Date.now();\n` +
        `  if (${a} > ${Math.floor(r() * 1000)}) {\n` +
        `    throw new Error(\`limit exceeded: \${${a}} > max (\${${b}.length})\`);\n` +
        `  }\n` +
        `  for (let i = 0; i < ${b}.length; i++) {\n` +
        `    await sleep(Math.min(2 ** i * 100, 30_000)); // backoff\n` +
        `  }\n` +
        `  return { ${a}, ${b}, elapsed: Date.now() - started, ok: true };\n` +
        `}\n`,
    );
  }
  out.push(JSON.stringify({ config: { rpm: 500, tpm: 30000, models: ['gpt-4o', 'o3-mini'] } }, null, 2));
  return out.join('\n');
}

const FOREIGN = [
  'Meine Bestellung ist beschädigt angekommen. Bitte erstatten Sie mir den Betrag zurück.',
  'Le colis est arrivé en retard et la boîte était ouverte. Que dois-je faire ?',
  'Mi pedido llegó incompleto; faltan dos artículos de la factura.',
  '我的订单已经延迟了一个星期，请尽快帮我查询物流状态。',
  '商品が破損して届きました。交換または返金をお願いします。',
  '주문한 상품이 아직 도착하지 않았습니다. 배송 상태를 확인해 주세요.',
  'Мой заказ пришёл повреждённым, прошу оформить возврат средств.',
  'وصل طلبي متأخرًا وكانت العبوة تالفة، أرجو المساعدة.',
  'Siparişim hasarlı geldi, lütfen iade işlemini başlatın.',
  'हमारा ऑर्डर अभी तक नहीं आया है, कृपया जल्दी जाँच करें।',
];

function foreign(r: () => number): string {
  const k = 4 + Math.floor(r() * 8);
  const out: string[] = [];
  for (let i = 0; i < k; i++) out.push(pick(r, FOREIGN));
  return out.join(' ');
}

function corpus(gen: (r: () => number) => string, seed: number, docs: number): string[] {
  const r = seededRandom(seed);
  const out: string[] = [];
  for (let i = 0; i < docs; i++) out.push(gen(r));
  return out;
}

// ---------------------------------------------------------------- measurements

/** Cold `require` + construction time in a fresh node process, median of `runs`. */
function coldMs(snippet: string, runs = 5): number {
  const script =
    `const t0 = process.hrtime.bigint();\n${snippet}\n` +
    `process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));`;
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    xs.push(Number(execFileSync(process.execPath, ['-e', script], { cwd: process.cwd(), env: process.env }).toString()));
  }
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)];
}

function timeIt(fn: () => void, minMs = 300): number {
  fn(); // warm-up: JIT + merge caches
  let iters = 0;
  const t0 = performance.now();
  let el: number;
  do {
    fn();
    iters++;
    el = performance.now() - t0;
  } while (el < minMs);
  return el / iters;
}

function pad(s: string | number, w: number): string {
  const str = String(s);
  return str.length >= w ? str : ' '.repeat(w - str.length) + str;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0);
}

function main(): void {
  const countJs = path.join(__dirname, '..', 'src', 'tokens', 'count.js');
  console.log('# Cold start (fresh process, median of 5), ms');
  const cold = [
    ['gpt-tokenizer o200k_base require', `require('gpt-tokenizer/cjs/encoding/o200k_base');`],
    ['gpt-tokenizer cl100k_base require', `require('gpt-tokenizer/cjs/encoding/cl100k_base');`],
    [
      'js-tiktoken o200k_base require+new',
      `const { Tiktoken } = require('js-tiktoken/lite'); new Tiktoken(require('js-tiktoken/ranks/o200k_base'));`,
    ],
    [
      'js-tiktoken cl100k_base require+new',
      `const { Tiktoken } = require('js-tiktoken/lite'); new Tiktoken(require('js-tiktoken/ranks/cl100k_base'));`,
    ],
    ['src/tokens/count import (lazy)', `require(${JSON.stringify(countJs)});`],
    [
      'src/tokens/count import + 1st gpt-4o call',
      `require(${JSON.stringify(countJs)}).countTextTokens('hello world', 'gpt-4o');`,
    ],
  ] as const;
  for (const [name, snippet] of cold) console.log(`${name.padEnd(44)} ${pad(coldMs(snippet).toFixed(1), 8)}`);

  /* eslint-disable @typescript-eslint/no-require-imports -- the encodings are loaded here, after the cold-load timings above */
  const gO = require('gpt-tokenizer/cjs/encoding/o200k_base') as GptEncodingModule;
  const gC = require('gpt-tokenizer/cjs/encoding/cl100k_base') as GptEncodingModule;
  const Tiktoken = (require('js-tiktoken/lite') as { Tiktoken: TiktokenCtor }).Tiktoken;
  const jO = new Tiktoken(require('js-tiktoken/ranks/o200k_base'));
  const jC = new Tiktoken(require('js-tiktoken/ranks/cl100k_base'));
  /* eslint-enable @typescript-eslint/no-require-imports */

  const sets: Array<[string, string[]]> = [
    ['support tickets (en)', corpus(ticket, 1, 300)],
    ['code + JSON', corpus(code, 2, 150)],
    ['non-English mix', corpus(foreign, 3, 300)],
  ];

  console.log('\n# Warm throughput on o200k_base (tokens/s) and accuracy');
  console.log(
    [
      'corpus'.padEnd(22),
      pad('chars', 8),
      pad('tokens', 8),
      pad('gpt-tok', 9),
      pad('js-tikt', 9),
      pad('ours', 9),
      pad('agree o200k', 12),
      pad('agree cl100k', 13),
      pad('c/4 MAPE', 9),
      pad('c/4 bias', 9),
      pad('b/4 MAPE', 9),
    ].join(' '),
  );
  for (const [name, docs] of sets) {
    let chars = 0;
    let tokens = 0;
    let agreeO = 0;
    let agreeC = 0;
    let absErr = 0;
    let signedErr = 0;
    let absErrBytes = 0;
    for (const d of docs) {
      const a = gO.encode(d, AS_TEXT);
      const b = jO.encode(d, [], []);
      if (a.length === b.length && a.every((t, i) => t === b[i]) && countTextTokens(d, 'gpt-4o') === b.length) agreeO++;
      const c = gC.encode(d, AS_TEXT);
      const e = jC.encode(d, [], []);
      if (c.length === e.length && c.every((t, i) => t === e[i]) && countTextTokens(d, 'gpt-4') === e.length) agreeC++;
      chars += d.length;
      tokens += b.length;
      const q = Math.ceil(d.length / 4);
      absErr += Math.abs(q - b.length) / b.length;
      signedErr += (q - b.length) / b.length;
      absErrBytes += Math.abs(Math.ceil(Buffer.byteLength(d, 'utf8') / 4) - b.length) / b.length;
    }
    const tG = timeIt(() => {
      for (const d of docs) gO.countTokens(d, AS_TEXT);
    });
    const tJ = timeIt(() => {
      for (const d of docs) jO.encode(d, [], []);
    });
    const tOurs = timeIt(() => {
      for (const d of docs) countTextTokens(d, 'gpt-4o');
    });
    const perSec = (ms: number): string => fmt((tokens / ms) * 1000);
    const pct = (x: number): string => `${((x / docs.length) * 100).toFixed(1)}%`;
    console.log(
      [
        name.padEnd(22),
        pad(chars, 8),
        pad(tokens, 8),
        pad(perSec(tG), 9),
        pad(perSec(tJ), 9),
        pad(perSec(tOurs), 9),
        pad(pct(agreeO), 12),
        pad(pct(agreeC), 13),
        pad(pct(absErr), 9),
        pad(`${signedErr >= 0 ? '+' : ''}${pct(signedErr)}`, 9),
        pad(pct(absErrBytes), 9),
      ].join(' '),
    );
  }
  console.log('(c/4 = ceil(chars/4) vs o200k; MAPE = mean |error|/tokens; bias < 0 = undercount; b/4 = utf8 bytes/4)');

  console.log('\n# chars/4 bias vs o200k by language (one sentence x 20)');
  for (const sentence of FOREIGN) {
    const text = Array(20).fill(sentence).join(' ');
    const exact = jO.encode(text, [], []).length;
    const bias = (Math.ceil(text.length / 4) - exact) / exact;
    console.log(`${sentence.slice(0, 18).padEnd(20)} ${pad(`${bias >= 0 ? '+' : ''}${(bias * 100).toFixed(0)}%`, 6)}`);
  }

  // Distinct runs, so gpt-tokenizer's merge cache cannot answer from a previous call.
  console.log('\n# Pathological input: a 4,000-char run of letters, no spaces (o200k), ms per call');
  const r = seededRandom(9);
  const runs: string[] = [];
  for (let i = 0; i < 400; i++) {
    let w = '';
    while (w.length < 4000) w += String.fromCharCode(97 + Math.floor(r() * 26));
    runs.push(w);
  }
  let ri = 0;
  const next = (): string => runs[ri++ % runs.length];
  console.log(`gpt-tokenizer ${pad(timeIt(() => gO.countTokens(next(), AS_TEXT), 300).toFixed(2), 10)}`);
  console.log(`js-tiktoken   ${pad(timeIt(() => jO.encode(next(), [], []), 1).toFixed(2), 10)}`);
  console.log(`ours          ${pad(timeIt(() => countTextTokens(next(), 'gpt-4o'), 300).toFixed(2), 10)}`);
  const exactRun = jO.encode(runs[0], [], []).length;
  console.log(`ours vs exact on that run: ${countTextTokens(runs[0], 'gpt-4o')} vs ${exactRun} tokens`);

  console.log('\n# estimateChatTokens per call (gpt-4o), µs');
  const tickets = sets[0][1];
  const req = {
    model: 'gpt-4o',
    max_completion_tokens: 512,
    messages: [
      { role: 'system', content: 'You are a support agent. Answer politely and cite the order number.' },
      { role: 'user', content: tickets[0] },
      { role: 'assistant', content: tickets[1] },
    ],
  };
  const same = timeIt(() => estimateChatTokens(req), 300) * 1000;
  let k = 0;
  const varied = timeIt(() => {
    const m = tickets[k++ % tickets.length];
    estimateChatTokens({ ...req, messages: [req.messages[0], { role: 'user', content: m }] });
  }, 300) * 1000;
  const size = req.messages.reduce((n, m) => n + m.content.length, 0);
  console.log(`same 3-message request (${size} chars) ${pad(same.toFixed(1), 8)}`);
  console.log(`a different 2-message request each call ${pad(varied.toFixed(1), 8)}`);
}

main();
