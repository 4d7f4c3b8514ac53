/** Plain-text tables for the console and Markdown tables for the README. */

/** A column: header and right alignment for numbers. */
export interface Column {
  readonly header: string;
  readonly right?: boolean;
}

/** Renders rows under headers as an aligned text table. */
export function textTable(columns: readonly Column[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number): string => (columns[i].right ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (cells: readonly string[]): string => cells.map(cell).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Renders rows as a Markdown table (numbers right-aligned). */
export function markdownTable(columns: readonly Column[], rows: ReadonlyArray<readonly string[]>): string {
  const head = `| ${columns.map((c) => c.header).join(' | ')} |`;
  const rule = `|${columns.map((c) => (c.right ? '---:' : '---')).join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A number with `digits` decimals, or '–' when not finite. */
export function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** An integer with thousands separators. */
export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
