/**
 * `kgkit simulate`: a stateful KooGallery stand-in on one port. It serves the marketplace's Open APIs (the seller's
 * MARKETPLACE_URL), drives the seller through the chosen scenarios on the documented retry schedule, and shows it all
 * on a web page. Runs until SIGINT or SIGTERM.
 *
 *   kgkit simulate --url http://127.0.0.1:8080/saas --key <basic key> [--kit-key k] [--port 4200] [--speed 60]
 *                  [--scenario pay-per-use,yearly|none] [--license-code-url u] [--online-license-url u] …
 */
import { readFileSync } from 'node:fs';
import type { ScenarioRun } from '../simulator/model.js';
import { SCENARIO_NAMES } from '../simulator/scenarios/index.js';
import type { SellerSettings } from '../simulator/seller.js';
import { CommandError, type CommandIo, type CommandSpec, runCommand } from './command.js';
import { ProgressLine } from './progress.js';

export interface SimulateIo extends CommandIo {
  /** Stops the simulator like a signal would (tests). */
  stop?: AbortSignal;
  /** Called once it listens (tests). */
  onListening?: (simulator: { url: string }) => void;
}

export const SIMULATE = {
  name: 'simulate',
  summary: 'a stateful KooGallery stand-in that drives a seller server through whole scenarios, with a web page',
  synopsis: '--url <SaaS production URL> --key <key> [options]',
  about: [
    "It serves the marketplace's Open APIs (the seller's MARKETPLACE_URL) and calls the seller's production",
    'interfaces (--url and the family URLs, as in kgkit conformance) on the documented retry schedule. Runs until',
    'Ctrl-C; on a terminal a progress line shows the scenarios running.',
  ],
  options: {
    url: { type: 'string', value: '<url>', help: 'the SaaS V2.0 production URL of the seller (the Kit families at the same URL)' },
    key: { type: 'string', value: '<key>', help: 'the key bound to the basic interfaces' },
    'kit-key': { type: 'string', value: '<key>', help: 'key of the joint-operation Kit interfaces (default: --key)' },
    'saas-v1-url': { type: 'string', value: '<url>', help: 'the SaaS V1.0 production URL (scenario saas-v1)' },
    'license-code-url': { type: 'string', value: '<url>', help: 'the license-code interface (scenario license-code)' },
    'license-code-key': { type: 'string', value: '<key>', help: 'its key (default: --key)' },
    'online-license-url': { type: 'string', value: '<url>', help: 'the online License interface (scenario online-license)' },
    'order-notify-url': { type: 'string', value: '<url>', help: 'the order-notification interface (scenario order-notify)' },
    'order-notify-key': { type: 'string', value: '<key>', help: 'its key (default: --key)' },
    'kit-public-key': { type: 'string', value: '<file>', help: "the seller's RSA public key (PEM), to encrypt the applicationSync clientSecret" },
    'api-token': {
      type: 'string',
      value: '<token>',
      help: "the seller's KGKIT_API_TOKEN, when the seller is kgkit: pay-per-use records usage on kgkit's API and seals it now, so records arrive in simulated time",
    },
    ak: { type: 'string', value: '<AK>', help: 'the AK the seller signs its Open API calls with (default: printed at start)' },
    sk: { type: 'string', value: '<SK>', help: 'and its SK (with --ak)' },
    port: { type: 'string', value: '<n>', help: 'the port of the page and the Open APIs (default 4200; 0: any free port)' },
    host: { type: 'string', value: '<address>', help: 'the address to listen on (default 127.0.0.1)' },
    speed: { type: 'string', value: '<factor>', help: 'simulated time runs this much faster than real time (default 60: an hour a minute)' },
    scenario: {
      type: 'string',
      value: '<names>',
      help: `comma-separated, run once each at start (default pay-per-use; none: only serve): ${SCENARIO_NAMES.join(', ')}`,
    },
  },
  renamed: { 'seller-url': 'url' },
  examples: [
    'kgkit simulate --url http://127.0.0.1:8080/saas --key change-me-to-your-key',
    'kgkit simulate --url http://127.0.0.1:8080/saas --key … --kit-key … --scenario pay-per-use,yearly,joint-op',
    'kgkit simulate --url http://127.0.0.1:8080/saas --key … --scenario none --port 0 --speed 600',
  ],
  failure: 'an unexpected error (the message says which)',
} as const satisfies CommandSpec;

export function simulateCommand(argv: string[], io: SimulateIo = {}): Promise<number> {
  return runCommand(SIMULATE, argv, io, async (given, { out, err, isTTY }) => {
    const values = { port: '4200', host: '127.0.0.1', speed: '60', scenario: 'pay-per-use', ...given };
    if (values.url === undefined || values.key === undefined) throw new CommandError('--url and --key are required: see kgkit simulate --help');
    const [{ sellerSettingsProblems }, { SIMULATOR_AK_SK, startSimulator }] = await Promise.all([
      import('../simulator/seller.js'),
      import('../simulator/server.js'),
    ]);

    const seller: SellerSettings = {
      saasUrl: values.url,
      key: values.key,
      ...(values['kit-key'] !== undefined ? { kitKey: values['kit-key'] } : {}),
      ...(values['saas-v1-url'] !== undefined ? { saasV1Url: values['saas-v1-url'] } : {}),
      ...(values['license-code-url'] !== undefined ? { licenseCodeUrl: values['license-code-url'] } : {}),
      ...(values['license-code-key'] !== undefined ? { licenseCodeKey: values['license-code-key'] } : {}),
      ...(values['online-license-url'] !== undefined ? { onlineLicenseUrl: values['online-license-url'] } : {}),
      ...(values['order-notify-url'] !== undefined ? { orderNotifyUrl: values['order-notify-url'] } : {}),
      ...(values['order-notify-key'] !== undefined ? { orderNotifyKey: values['order-notify-key'] } : {}),
      ...(values['api-token'] !== undefined ? { apiToken: values['api-token'] } : {}),
    };
    const problems = sellerSettingsProblems(seller);
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push(`--port must be an integer from 0 to 65535 (got "${values.port}")`);
    const speed = Number(values.speed);
    if (!(Number.isFinite(speed) && speed > 0 && speed <= 100_000)) problems.push(`--speed must be a number above 0, at most 100000 (got "${values.speed}")`);
    if ((values.ak === undefined) !== (values.sk === undefined)) problems.push('--ak and --sk go together');
    const scenarios =
      values.scenario === 'none'
        ? []
        : values.scenario
            .split(',')
            .map((name) => name.trim())
            .filter(Boolean);
    for (const name of scenarios)
      if (!SCENARIO_NAMES.includes(name)) problems.push(`unknown scenario "${name}" (one of ${SCENARIO_NAMES.join(', ')}, or none)`);
    let kitPublicKeyPem: string | undefined;
    if (values['kit-public-key'] !== undefined) {
      try {
        kitPublicKeyPem = readFileSync(values['kit-public-key'], 'utf8');
      } catch (error) {
        problems.push(`--kit-public-key: cannot read ${values['kit-public-key']} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    if (problems.length > 0) throw new CommandError(problems.join('\n'));

    const akSk = values.ak !== undefined && values.sk !== undefined ? { accessKey: values.ak, secretKey: values.sk } : SIMULATOR_AK_SK;
    let simulator;
    try {
      simulator = await startSimulator({ seller, akSk, speed, port, host: values.host, ...(kitPublicKeyPem ? { kitPublicKeyPem } : {}) });
    } catch (error) {
      const message = (error as Error).message;
      throw new CommandError(/ is in use$/.test(message) ? `${message}: stop the other process or choose another with --port` : message);
    }
    // Listened for before anything is printed: a signal sent as soon as the output appears must stop it cleanly.
    const stopped = untilStopped(io.stop);
    out(
      [
        `kgkit simulate: the page is at ${simulator.url}/`,
        'Configure the seller with:',
        `  MARKETPLACE_URL=${simulator.url}`,
        `  KOOGALLERY_AK=${akSk.accessKey} KOOGALLERY_SK=${akSk.secretKey}`,
        '  KOOGALLERY_ACCESS_KEY=<the --key given here> (its usage push is verified with it)',
        `Simulated time runs ${speed}× faster than real time.`,
        '',
      ].join('\n'),
    );
    for (const name of scenarios) {
      try {
        const run = simulator.runScenario(name);
        out(`started scenario ${name} (${run.id})\n`);
      } catch (error) {
        err(`kgkit simulate: ${(error as Error).message}\n`);
      }
    }
    out('Stop with Ctrl-C.\n');
    io.onListening?.(simulator);

    const progress = new ProgressLine(err, isTTY);
    const watch = isTTY ? setInterval(() => showRuns(progress, [...simulator.model.runs.values()]), 500) : undefined;
    const signal = await stopped;
    clearInterval(watch);
    progress.clear();
    out(`kgkit simulate: stopping (${signal})\n`);
    await simulator.close();
    return 0;
  });
}

/** The scenarios so far: how many run, are done or failed, and the last step of the newest running one. */
function showRuns(progress: ProgressLine, runs: ScenarioRun[]): void {
  if (runs.length === 0) return;
  const count = (state: ScenarioRun['state']) => runs.filter((run) => run.state === state).length;
  const running = runs.filter((run) => run.state === 'running').at(-1);
  const last = running?.log.at(-1)?.text;
  const head = `scenarios: ${count('running')} running, ${count('done')} done, ${count('failed')} failed`;
  const line = running ? `${head} · ${running.scenario}${last ? `: ${last}` : ''}` : `${head} (the page has every call)`;
  progress.show((width) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
}

/** Resolves with what stopped the simulator: SIGINT, SIGTERM, or the caller's signal; the listeners are removed after. */
function untilStopped(stop: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const finish = (name: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      stop?.removeEventListener('abort', onStop);
      resolve(name);
    };
    const onInt = () => finish('SIGINT');
    const onTerm = () => finish('SIGTERM');
    const onStop = () => finish('stop');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    if (stop?.aborted) return finish('stop');
    stop?.addEventListener('abort', onStop, { once: true });
  });
}
