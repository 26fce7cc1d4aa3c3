/**
 * `kgkit <command>`: the command line (bin/kgkit). `conformance` and `simulate` talk to a seller server over HTTP; the
 * other commands read the same environment as the server (DATABASE_URL first) and need no marketplace.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  conformance: {
    summary: "conformance --url <production URL> --key <key> [...]: run the seller console's debug cases against a seller server (--help)",
    run: async (argv) => (await import('./conformance.js')).conformanceCommand(argv),
  },
  simulate: {
    summary: 'simulate --url <production URL> --key <key> [...]: a stateful KooGallery stand-in with a web page (--help)',
    run: async (argv) => (await import('./simulate.js')).simulateCommand(argv),
  },
  usage: {
    summary: 'usage status [--state pending|sent|rejected|expired] [--instance id] [--limit n] [--json]: usage records and their delivery',
    run: async (argv) => (await import('./usage.js')).usageCommand(argv),
  },
  orders: {
    summary: 'orders [--state pending|found|failed] [--order id] [--instance id] [--limit n] [--json]: order lookups (Query Order)',
    run: async (argv) => (await import('./status.js')).ordersCommand(argv),
  },
  'license-uploads': {
    summary: 'license-uploads [--state pending|uploaded|rejected|skipped] [--limit n] [--json]: License uploads',
    run: async (argv) => (await import('./status.js')).licenseUploadsCommand(argv),
  },
  events: {
    summary: 'events [--instance id] [--order id] [--limit n]: the audit trail of marketplace calls, newest first',
    run: (argv) => runScript('./events', argv),
  },
  'license-key': {
    summary: 'license-key: the public key (PEM) that verifies the Licenses kgkit issues',
    run: (argv) => runScript('./license-key', argv),
  },
};

/** The older one-file commands read process.argv themselves: run them as if called directly; .ts from source, .js compiled (dist/). */
async function runScript(name: string, argv: string[]): Promise<number> {
  const path = fileURLToPath(new URL(`${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  process.argv = [process.argv[0]!, path, ...argv];
  await import(path);
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

const [name, ...rest] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (!command) {
  const usage = Object.entries(COMMANDS).map(([key, c]) => `  kgkit ${c.summary.startsWith(key) ? c.summary : `${key} ${c.summary}`}`);
  process.stderr.write(`${name && name !== 'help' ? `kgkit: unknown command "${name}"\n` : ''}usage:\n${usage.join('\n')}\n`);
  process.exit(name === undefined || name === 'help' ? 0 : 2);
}
process.exitCode = await command.run(rest);
