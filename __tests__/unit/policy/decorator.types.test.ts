/**
 * The decorators' types, checked by the TypeScript compiler (in process) in both decorator modes: the same code
 * compiles as standard decorators and with experimentalDecorators, and key/estimate functions are checked against
 * the decorated method's parameters.
 */
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '../../..');
const SNIPPET = join(ROOT, '__tests__/unit/policy/__decorator-types-snippet__.ts');

/** Each line marked `// ✗` must fail to compile (at its decorator); no other line may. */
const snippet = `
import { AdaptiveRetry, RateLimited, TokenBudget } from '../../../decorators';
import type { RateLimitedOptions } from '../../../src/policy/options';
// eslint-disable-next-line @typescript-eslint/no-deprecated -- the deprecated type earlier versions exported still fits
import type { AsyncMethodDecorator } from '../../../decorators';

// eslint-disable-next-line @typescript-eslint/no-deprecated -- as above
export const legacyTyped: AsyncMethodDecorator = RateLimited({ key: 'fixed' });

interface ChatRequest { readonly model: string; readonly messages: readonly string[] }
const modelKey = (req: ChatRequest) => \`openai:\${req.model}\`;
const prebuilt: RateLimitedOptions = { key: 'fixed' };

export class Fits {
  @AdaptiveRetry({ maxRetries: 5 })
  @RateLimited({ key: modelKey })
  @TokenBudget({ key: modelKey, estimate: (req: ChatRequest) => req.messages.length })
  async summarize(req: ChatRequest): Promise<string> { return req.model; }

  @RateLimited({ key: (req: { model: string }) => req.model })
  async narrower(req: ChatRequest, signal?: AbortSignal): Promise<string> { return req.model + String(signal); }

  @RateLimited({ key: (req: { model: string }, tenant?: string) => req.model + String(tenant) })
  async optionalSecond(req: ChatRequest): Promise<string> { return req.model; }

  @RateLimited('openai:gpt-4o-mini')
  @RateLimited(prebuilt)
  async named(): Promise<number> { return 1; }

  @TokenBudget({ key: 'k', estimate: () => 10 })
  async anyArgs(a: number, b: string): Promise<string> { return String(a) + b; }

  @AdaptiveRetry()
  static async onTheClass(n: number): Promise<number> { return n; }
}

export class DoesNotFit {
  @RateLimited({ key: (req: { model: string }) => req.model }) // ✗ the key wants a request, the method takes a number
  async e(n: number): Promise<number> { return n; }

  @TokenBudget({ key: 'k', estimate: (req: ChatRequest) => req.messages.length }) // ✗ the estimate wants a request
  async f(s: string): Promise<string> { return s; }

  @TokenBudget({ key: 'k', estimate: (req: ChatRequest) => req.messages.length }) // ✗ no argument to estimate from
  async g(): Promise<string> { return ''; }

  @RateLimited({ key: (req: { model: string }, tenant?: string) => req.model + String(tenant) }) // ✗ second parameter
  async h(req: ChatRequest, tenant: number): Promise<string> { return req.model + String(tenant); }

  @AdaptiveRetry() // ✗ not a promise
  sync(): number { return 1; }

  @AdaptiveRetry() // ✗ a field
  field = async (): Promise<number> => 1;
}
`;

const expectedLines = snippet
  .split('\n')
  .map((line, i) => (line.includes('// ✗') ? i + 1 : 0))
  .filter((n) => n > 0);

const libCache = new Map<string, ts.SourceFile | undefined>();

/** Compiles the snippet; returns the 1-based lines with errors, and the messages. */
function check(experimentalDecorators: boolean): { lines: number[]; messages: string[] } {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    experimentalDecorators,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError) => {
    if (fileName === SNIPPET) return ts.createSourceFile(fileName, snippet, languageVersion, true);
    if (!libCache.has(fileName)) libCache.set(fileName, getSourceFile(fileName, languageVersion, onError));
    return libCache.get(fileName);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => fileName === SNIPPET || fileExists(fileName);
  const program = ts.createProgram([SNIPPET], options, host);
  const file = program.getSourceFile(SNIPPET)!;
  const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  return {
    lines: [...new Set(diagnostics.map((d) => file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1))].sort((a, b) => a - b),
    messages: diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  };
}

describe.each([
  ['standard (TC39) decorators', false],
  ['legacy decorators (experimentalDecorators)', true],
])('the decorator types, as %s', (_mode, experimentalDecorators) => {
  it('accept fitting methods and refuse key/estimate functions that do not fit the parameters, a sync method and a field', () => {
    const { lines, messages } = check(experimentalDecorators);
    expect(expectedLines).toHaveLength(6);
    expect({ lines, messages: lines.length === expectedLines.length ? [] : messages }).toEqual({ lines: expectedLines, messages: [] });
  }, 30_000);
});
