/**
 * `kgkit <command>`: the command line (bin/kgkit). `conformance` and `simulate` talk to a seller server over HTTP; the
 * other commands read the same environment as the server (DATABASE_URL first) and need no marketplace.
 */
import { type CommandSpec, EXIT, columns, exitCodes, nearest } from './command.js';

interface Entry {
  /** As listed: `usage status`. */
  listed: string;
  spec: () => Promise<CommandSpec>;
  run: (argv: string[]) => Promise<number>;
}

// Each command's module is loaded only when it runs (simulate and conformance bring their whole toolkits).
const COMMANDS: Record<string, Entry> = {
  conformance: {
    listed: 'conformance',
    spec: async () => (await import('./conformance.js')).CONFORMANCE,
    run: async (argv) => (await import('./conformance.js')).conformanceCommand(argv),
  },
  simulate: {
    listed: 'simulate',
    spec: async () => (await import('./simulate.js')).SIMULATE,
    run: async (argv) => (await import('./simulate.js')).simulateCommand(argv),
  },
  usage: {
    listed: 'usage status',
    spec: async () => (await import('./usage.js')).USAGE,
    run: async (argv) => (await import('./usage.js')).usageCommand(argv),
  },
  orders: {
    listed: 'orders',
    spec: async () => (await import('./status.js')).ORDERS,
    run: async (argv) => (await import('./status.js')).ordersCommand(argv),
  },
  'license-uploads': {
    listed: 'license-uploads',
    spec: async () => (await import('./status.js')).LICENSE_UPLOADS,
    run: async (argv) => (await import('./status.js')).licenseUploadsCommand(argv),
  },
  events: {
    listed: 'events',
    spec: async () => (await import('./events.js')).EVENTS,
    run: async (argv) => (await import('./events.js')).eventsCommand(argv),
  },
  'license-key': {
    listed: 'license-key',
    spec: async () => (await import('./license-key.js')).LICENSE_KEY,
    run: async (argv) => (await import('./license-key.js')).licenseKeyCommand(argv),
  },
};

async function overview(): Promise<string> {
  const rows: [string, string][] = [];
  for (const entry of Object.values(COMMANDS)) rows.push([entry.listed, (await entry.spec()).summary]);
  return [
    'kgkit: the command line of kgkit, a toolkit for Huawei Cloud KooGallery sellers',
    '',
    'usage: kgkit <command> [options]      kgkit <command> --help   the options and examples of one command',
    '',
    'commands:',
    ...columns(rows),
    '',
    'usage status, orders, license-uploads, events and license-key read the database the server keeps (DATABASE_URL,',
    'or --database) and never create one; conformance and simulate need only the seller server over HTTP.',
    '',
    'exit codes:',
    ...columns(exitCodes({ failure: 'a failure found (a conformance case failed), or the command could not finish' })),
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    process.stdout.write(await overview());
    return EXIT.ok;
  }
  return name === 'help' ? dispatch(rest[0]!, ['--help']) : dispatch(name, rest);
}

function dispatch(name: string, argv: string[]): Promise<number> {
  const command = COMMANDS[name];
  if (command) return command.run(argv);
  const near = nearest(name, Object.keys(COMMANDS));
  process.stderr.write(`kgkit: unknown command "${name}"${near ? ` (did you mean ${near}?)` : ''}: see kgkit --help\n`);
  return Promise.resolve(EXIT.usage);
}

// A reader that closes the pipe early (kgkit events | head) ends the output, not in a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`kgkit: ${(error as Error).message ?? String(error)}\n`);
  process.exitCode = EXIT.failure;
}
