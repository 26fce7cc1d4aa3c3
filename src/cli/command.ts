import { parseArgs } from 'node:util';

/**
 * What every kgkit command shares: its help (usage, options, environment, examples, exit codes), the parsing of its
 * arguments into one-line errors, and the exit codes (0 ok, 1 a failure found, 2 usage or configuration;
 * docs/decisions.md#24).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** What the value is, in the help: `--limit <n>`. */
  value?: string;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  /** As typed after `kgkit`: `orders`, `usage status`. */
  name: string;
  /** One line, for `kgkit --help`. */
  summary: string;
  /** What follows the name in the usage line. */
  synopsis: string;
  /** Sentences under the usage line. */
  about?: readonly string[];
  options: O;
  /** Old option names still accepted, each with its new name (docs: "the same option names in every command"). */
  renamed?: Record<string, string>;
  /** Positional words the command takes (`usage status`: none after `status`). */
  positionals?: boolean;
  environment?: readonly (readonly [string, string])[];
  examples: readonly string[];
  /** What exit code 1 means for this command; without it the command never exits 1 but on an unexpected error. */
  failure?: string;
}

/** What ends a command with a message of its own (one line a problem) and an exit code: 2 (usage) unless told. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface CommandIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** The environment the configuration is read from (default process.env, read by src/config.ts). */
  env?: Record<string, string | undefined>;
  /** Whether stdout is a terminal: progress lines are shown only then (default process.stdout.isTTY). */
  isTTY?: boolean;
}

export type Io = Required<Pick<CommandIo, 'out' | 'err' | 'isTTY'>> & Pick<CommandIo, 'env'>;

/**
 * Runs a command: its help on --help or -h (exit 0), its notes about old option names, then its body. A CommandError
 * or any other error becomes one line `kgkit <command>: …` on stderr, never a stack trace.
 */
export async function runCommand<O extends OptionSpecs>(
  spec: CommandSpec<O>,
  argv: string[],
  io: CommandIo,
  body: (values: Values<O>, io: Io, positionals: string[]) => Promise<number>,
): Promise<number> {
  const full: Io = {
    out: io.out ?? ((text) => void process.stdout.write(text)),
    err: io.err ?? ((text) => void process.stderr.write(text)),
    isTTY: io.isTTY ?? process.stdout.isTTY === true,
    ...(io.env ? { env: io.env } : {}),
  };
  const say = (message: string) =>
    full.err(
      `${message
        .split('\n')
        .map((line) => `kgkit ${spec.name}: ${line}`)
        .join('\n')}\n`,
    );
  try {
    const parsed = parseCommand(spec, argv);
    if (parsed.help) return (full.out(helpText(spec)), EXIT.ok);
    for (const note of parsed.notes) say(`note: ${note}`);
    return await body(parsed.values, full, parsed.positionals);
  } catch (error) {
    if (error instanceof CommandError) return (say(error.message), error.exitCode);
    say(`${(error as Error).message ?? String(error)}`);
    return EXIT.failure;
  }
}

export type Values<O extends OptionSpecs> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

export type Parsed<O extends OptionSpecs> = { help: true } | { help: false; values: Values<O>; positionals: string[]; notes: string[] };

export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** The arguments as the spec reads them, or a CommandError naming the option at fault and pointing to --help. */
export function parseCommand<O extends OptionSpecs>(spec: CommandSpec<O>, argv: string[]): Parsed<O> {
  if (wantsHelp(argv)) return { help: true };
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, option] of Object.entries(spec.options)) options[name] = { type: option.type };
  for (const [old, current] of Object.entries(spec.renamed ?? {})) options[old] = { type: spec.options[current]!.type };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: spec.positionals === true, strict: true });
  } catch (error) {
    throw new CommandError(`${argumentProblem(spec, error as NodeJS.ErrnoException)}: see kgkit ${spec.name} --help`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const notes: string[] = [];
  for (const [old, current] of Object.entries(spec.renamed ?? {})) {
    if (values[old] === undefined) continue;
    if (values[current] !== undefined)
      throw new CommandError(`--${old} and --${current} are the same option (--${old} is its old name): give --${current} only`);
    values[current] = values[old];
    delete values[old];
    notes.push(`--${old} is now --${current}; the old name still works for now`);
  }
  return { help: false, values: values as Values<O>, positionals: parsed.positionals, notes };
}

/** Node's ERR_PARSE_ARGS_* as one short sentence. */
function argumentProblem(spec: CommandSpec, error: NodeJS.ErrnoException): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const option = quoted.split('=')[0]!;
      const near = nearest(option.replace(/^-+/, ''), Object.keys(spec.options));
      return `unknown option ${option}${near ? ` (did you mean --${near}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const option = quoted.split(' ')[0]!;
      return /argument missing/.test(error.message) ? `${option} needs a value` : `${option} takes no value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}"`;
    default:
      return error.message;
  }
}

/** The known name closest to a mistyped one, when it is close (two edits or fewer). */
export function nearest(typed: string, known: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(typed, name);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** The `--help` of a command. */
export function helpText(spec: CommandSpec): string {
  const rows: [string, string][] = Object.entries(spec.options).map(([name, option]) => [`--${name}${option.value ? ` ${option.value}` : ''}`, option.help]);
  for (const [old, current] of Object.entries(spec.renamed ?? {})) rows.push([`--${old}`, `the old name of --${current}; still accepted`]);
  rows.push(['-h, --help', 'this help']);
  const lines = [`kgkit ${spec.name}: ${spec.summary}`, '', `usage: kgkit ${spec.name} ${spec.synopsis}`.trimEnd()];
  if (spec.about) lines.push('', ...spec.about);
  lines.push('', 'options:', ...columns(rows));
  if (spec.environment) lines.push('', 'environment:', ...columns(spec.environment));
  lines.push('', 'examples:', ...spec.examples.map((example) => `  ${example}`));
  lines.push('', 'exit codes:', ...columns(exitCodes(spec)));
  return `${lines.join('\n')}\n`;
}

export function exitCodes(spec: Pick<CommandSpec, 'failure'>): [string, string][] {
  return [
    ['0', 'ok'],
    ['1', spec.failure ?? 'an unexpected error (the message says which)'],
    ['2', 'usage or configuration: a bad option or value, or a setting to fix (the message says which)'],
  ];
}

/** Two columns, the first padded to its widest entry. */
export function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}
