/** A column of a command's table: its title and the widest its values are shown (longer ones end in …). */
export interface Column {
  title: string;
  max: number;
  /** Numbers read better aligned right. */
  right?: boolean;
}

/**
 * An aligned table: each column as wide as its widest value up to its maximum, values on one line (line breaks become
 * spaces), longer values cut with …; `--json` gives them whole.
 */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => columns.map((column, i) => cut(oneLine(row[i] ?? ''), column.max)));
  const widths = columns.map((column, i) => Math.max(column.title.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (columns[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((column) => column.title)), ...cells.map(line)].join('\n')}\n`;
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function cut(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** An instant (epoch ms or ISO text) as ISO 8601 in UTC to the second, or '-'. */
export function when(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
