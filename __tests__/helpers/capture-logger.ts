import pino, { type Logger } from 'pino';

/** One JSON log line as pino wrote it. */
export type LogRecord = Record<string, unknown> & { level: number; msg: string };

/** A pino logger writing JSON lines to memory. */
export function captureLogger(level: pino.LevelWithSilent = 'trace'): { logger: Logger; lines: string[]; records: () => LogRecord[] } {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as LogRecord) };
}
