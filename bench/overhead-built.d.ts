/** Types of `overhead-built.js` (plain JavaScript on purpose: it measures the built package as an app loads it). */

/** Options of one run. */
export interface BuiltOptions {
  /** A tenth of the calls per round. */
  readonly quick: boolean;
  /** Measured rounds (default 3). */
  readonly rounds?: number;
  /** Sequential awaits per contender per round (default 200,000; quick 20,000). */
  readonly calls?: number;
  /** `process.setSourceMapsEnabled(true)` in the measuring process. */
  readonly sourceMaps?: boolean;
  /** The TypeScript sources through scripts/register.js instead of the build. */
  readonly sources?: boolean;
  /** `configureResilience({ asyncContext: true })`. */
  readonly asyncContext?: boolean;
  /** `--expose-gc` and a full collection before every measured batch. */
  readonly gc?: boolean;
  /** Measuring processes, one after the other (default 3; quick 1). */
  readonly processes?: number;
}

/** One measuring process, in brief. */
export interface BuiltProcess {
  readonly ratio: { readonly best: number; readonly median: number };
  readonly otherRatios: { readonly wrapper: number; readonly consumeAlone: number };
  /** Our full stack's median overhead, ns. */
  readonly oursOverNs: number;
  /** The reference's median overhead, ns. */
  readonly referenceOverNs: number;
  readonly loadAverage: number[];
}

/** One contender's figures, ns per call. */
export interface BuiltRow {
  readonly contender: string;
  /** Every round, in order. */
  readonly roundsNs: number[];
  /** Fastest round. */
  readonly bestNs: number;
  /** Median round. */
  readonly medianNs: number;
  /** Best minus the bare call's best. */
  readonly bestOverNs: number;
  /** Median minus the bare call's median. */
  readonly medianOverNs: number;
  /** Best overhead ÷ rate-limiter-flexible's best overhead (the reference: `await consume(key)` in the method). */
  readonly bestRatio: number;
  /** Median overhead ÷ rate-limiter-flexible's median overhead. */
  readonly medianRatio: number;
}

/** A run's result: the figures of the process with the median ratio, and every process in brief. */
export interface BuiltResult {
  readonly sizes: { readonly rounds: number; readonly calls: number; readonly warmUp: number };
  readonly conditions: {
    readonly sourceMaps: boolean;
    readonly sources: boolean;
    readonly asyncContext: boolean;
    readonly gc: boolean;
    /** The file `require('llm-resilience')` resolved to. */
    readonly loadedFrom: string;
    readonly node: string;
    readonly execArgv: string[];
  };
  readonly rows: BuiltRow[];
  /** Our full stack's overhead ÷ the reference's, best and median rounds. */
  readonly ratio: { readonly best: number; readonly median: number };
  /** The same against the other shapes of using rate-limiter-flexible (median rounds). */
  readonly otherRatios: { readonly wrapper: number; readonly consumeAlone: number };
  /** 1-, 5- and 15-minute load averages when the measuring ended. */
  readonly loadAverage: number[];
  /** Every measuring process, in order. */
  readonly processes: BuiltProcess[];
}

/** Builds the package into a temp dir, measures in a fresh plain `node` process, removes the temp dir. */
export function runOverheadBuilt(options: BuiltOptions): Promise<BuiltResult>;

/** The printable table and summary. */
export function overheadBuiltTable(result: BuiltResult): string;
