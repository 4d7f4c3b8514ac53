/** Token-count oracles for the tokenizer tests: js-tiktoken, an independent port of OpenAI's tiktoken, and a corpus. */
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';

// Oracles: js-tiktoken is an independent port of OpenAI's tiktoken. Special tokens are
// encoded as plain text (disallowedSpecial = []), as countTextTokens does.
// (Rank tables via require: their typings are only reachable through package exports.)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the rank tables' typings are only reachable through package exports
const oracleO200k = new Tiktoken(require('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
// eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
const oracleCl100k = new Tiktoken(require('js-tiktoken/ranks/cl100k_base') as TiktokenBPE);
/** o200k_base token count of `s` (special tokens as plain text). */
export const o200k = (s: string): number => oracleO200k.encode(s, [], []).length;
/** cl100k_base token count of `s` (special tokens as plain text). */
export const cl100k = (s: string): number => oracleCl100k.encode(s, [], []).length;

/** Texts of many kinds: prose, code, JSON, whitespace, non-Latin scripts, emoji, special-token strings, lone surrogates. */
export const CORPUS: readonly string[] = [
  'hello world',
  'Hi, my order #48213 arrived damaged. Can I get a refund or a replacement?',
  "We're sorry to hear that! I've issued a refund of $39.99 to your Visa ending 4242.",
  'function add(a: number, b: number): number {\n  return a + b;\n}\n',
  '{"id":"cmpl-9xYz","choices":[{"index":0,"message":{"role":"assistant","content":null}}]}',
  '    indented\n\n\n\ttabs\r\n  trailing   ',
  'Grüße aus München – Straße, Ärger, Öl.',
  '我的订单还没有到，请帮我查一下物流信息。',
  'ご注文ありがとうございます。発送は明日の予定です。',
  'مرحبا، أحتاج إلى مساعدة في حسابي',
  'Привет! Мой заказ пришёл повреждённым.',
  'emoji 😀👍🏽🇫🇷 and ZWJ 👨‍👩‍👧‍👦',
  'special <|endoftext|> and <|im_start|>user<|im_end|> as text',
  '1234567890 3.14159 1e-9 0xDEADBEEF',
  "it's they're we've I'm you'll he'd IT'S",
  'https://example.com/path?query=1&other=two#frag',
  'a\uD800b lone\uDC00surrogates',
];
