/** Progress of a batch: one redrawn line on a terminal, a plain line every few seconds otherwise. */
export interface Progress {
  tick(failed: boolean): void;
  stop(): void;
}

/** The part of a stream the progress display writes to. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** The labels of the two runs' progress lines, padded to one width so their bars line up. */
export const PROGRESS_LABELS = { ours: 'llm-resilience', sdkAlone: 'SDK alone     ' } as const;

const BAR_WIDTH = 30;
const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 2000;

/** `[#######-------] 120/300 calls | 0 failed | 14 s left` (the time left from the rate so far). */
export function progressLine(label: string, done: number, total: number, failed: number, elapsedMs: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  const left = done === 0 || done >= total ? '' : ` | ${Math.ceil(((total - done) * elapsedMs) / done / 1000)} s left`;
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total} calls | ${failed} failed${left}`;
}

/**
 * `text` cut to fit a terminal `columns` wide, one column spare (a line that fills the last column wraps on some
 * terminals, and the redraw would then leave a copy above). A width of 0 or none at all is unknown (a
 * pseudo-terminal without a size, e.g. under `script`): the line is left whole.
 */
export function fitLine(text: string, columns: number | undefined): string {
  if (columns === undefined || !Number.isFinite(columns) || columns < 2 || text.length < columns) return text;
  return text.slice(0, columns - 1);
}

/**
 * Creates the progress display for `total` calls. On a terminal the line is redrawn in place at most every 100 ms
 * (no dependency: a carriage return and an erase-line sequence); elsewhere (CI logs, pipes) a line is printed every
 * 2 s. The first line appears at once, so a slow start never looks like a hang.
 */
export function createProgress(total: number, out: ProgressStream = process.stdout, label = 'summarising'): Progress {
  const started = Date.now();
  let done = 0;
  let failed = 0;
  let stopped = false;
  const line = () => progressLine(label, done, total, failed, Date.now() - started);
  if (out.isTTY === true) {
    const draw = () => out.write(`\r\x1b[2K${fitLine(line(), out.columns)}`);
    draw();
    const timer = setInterval(draw, REDRAW_MS);
    return {
      tick: (f) => {
        done++;
        if (f) failed++;
      },
      stop: () => {
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        draw();
        out.write('\n');
      },
    };
  }
  out.write(`progress: ${line()}\n`);
  const timer = setInterval(() => out.write(`progress: ${line()}\n`), PLAIN_EVERY_MS);
  return {
    tick: (f) => {
      done++;
      if (f) failed++;
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
    },
  };
}
