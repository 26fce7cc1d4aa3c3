/**
 * `kgkit simulate`: a stateful KooGallery stand-in on one port. It serves the marketplace's Open APIs (the seller's
 * MARKETPLACE_URL), drives the seller through the chosen scenarios on the documented retry schedule, and shows it all
 * on a web page. Runs until SIGINT or SIGTERM.
 *
 *   kgkit simulate --url http://127.0.0.1:8080/saas --key <basic key> [--kit-key k] [--port 4200] [--speed 60]
 *                  [--scenario pay-per-use,yearly|none] [--license-code-url u] [--online-license-url u] …
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SCENARIO_NAMES } from '../simulator/scenarios/index.js';
import { type SellerSettings, sellerSettingsProblems } from '../simulator/seller.js';
import { SIMULATOR_AK_SK, startSimulator } from '../simulator/server.js';

export interface SimulateIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Stops the simulator like a signal would (tests). */
  stop?: AbortSignal;
  /** Called once it listens (tests). */
  onListening?: (simulator: { url: string }) => void;
}

const HELP = `usage: kgkit simulate --url <SaaS production URL> --key <key> [options]
  (--url and the family URLs name the seller's production interfaces, as in kgkit conformance)
  --kit-key <key>              key of the joint-operation Kit interfaces (default: --key)
  --saas-v1-url <url>          the SaaS V1.0 production URL (scenario saas-v1)
  --license-code-url <url>     the license-code interface (scenario license-code); --license-code-key <key>
  --online-license-url <url>   the online License interface (scenario online-license)
  --order-notify-url <url>     the order-notification interface (scenario order-notify); --order-notify-key <key>
  --kit-public-key <pem file>  the seller's RSA public key, to encrypt the applicationSync clientSecret
  --api-token <token>          the seller's KGKIT_API_TOKEN, when the seller is kgkit: pay-per-use records usage on
                               kgkit's API and seals it now, so records arrive in simulated time
  --ak <AK> --sk <SK>          the AK/SK the seller signs its Open API calls with (default: printed at start)
  --port <n>                   default 4200 (0: any free port); --host <address> default 127.0.0.1
  --speed <factor>             simulated time runs this much faster than real time (default 60: an hour a minute)
  --scenario <names>           comma-separated, run once each at start (default pay-per-use; none: only serve)
                               ${SCENARIO_NAMES.join(', ')}
`;

export async function simulateCommand(argv: string[], io: SimulateIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  const fail = (message: string) => (err(`kgkit simulate: ${message}\n`), 2);
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        'seller-url': { type: 'string' },
        key: { type: 'string' },
        'kit-key': { type: 'string' },
        'saas-v1-url': { type: 'string' },
        'license-code-url': { type: 'string' },
        'license-code-key': { type: 'string' },
        'online-license-url': { type: 'string' },
        'order-notify-url': { type: 'string' },
        'order-notify-key': { type: 'string' },
        'kit-public-key': { type: 'string' },
        'api-token': { type: 'string' },
        ak: { type: 'string' },
        sk: { type: 'string' },
        port: { type: 'string', default: '4200' },
        host: { type: 'string', default: '127.0.0.1' },
        speed: { type: 'string', default: '60' },
        scenario: { type: 'string', default: 'pay-per-use' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return fail(`${(error as Error).message}\n${HELP}`);
  }
  if (values.help) return (out(HELP), 0);
  // One name for the seller's URL in every command (kgkit conformance says --url too).
  if (values['seller-url'] !== undefined) return fail('--seller-url is now --url (the same name as in kgkit conformance)');
  if (values.url === undefined || values.key === undefined) return fail(`--url and --key are required\n${HELP}`);

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
  for (const name of scenarios) if (!SCENARIO_NAMES.includes(name)) problems.push(`unknown scenario "${name}" (one of ${SCENARIO_NAMES.join(', ')}, or none)`);
  let kitPublicKeyPem: string | undefined;
  if (values['kit-public-key'] !== undefined) {
    try {
      kitPublicKeyPem = readFileSync(values['kit-public-key'], 'utf8');
    } catch (error) {
      problems.push(`--kit-public-key: cannot read ${values['kit-public-key']} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (problems.length > 0) return fail(problems.join('\n  '));

  const akSk = values.ak !== undefined && values.sk !== undefined ? { accessKey: values.ak, secretKey: values.sk } : SIMULATOR_AK_SK;
  let simulator;
  try {
    simulator = await startSimulator({ seller, akSk, speed, port, host: values.host, ...(kitPublicKeyPem ? { kitPublicKeyPem } : {}) });
  } catch (error) {
    return fail((error as Error).message);
  }
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

  const signal = await untilStopped(io.stop);
  out(`kgkit simulate: stopping (${signal})\n`);
  await simulator.close();
  return 0;
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
