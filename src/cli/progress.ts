/**
 * One line on stderr, rewritten in place while a long run goes on (conformance cases, simulator scenarios). Shown only
 * when stdout is a terminal: a CI log or a pipe gets none of it.
 */
export class ProgressLine {
  private shown = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly enabled: boolean,
    private readonly width: () => number = () => Math.max(40, (process.stderr.columns ?? 100) - 1),
  ) {}

  /** Replaces the line; `line` gets the width it must fit in. */
  show(line: (width: number) => string): void {
    if (!this.enabled) return;
    this.write(`\r\u001b[2K${line(this.width())}`);
    this.shown = true;
  }

  /** Erases the line, so that what follows starts on a clean one. */
  clear(): void {
    if (!this.shown) return;
    this.write('\r\u001b[2K');
    this.shown = false;
  }
}
