import { readFileSync } from 'node:fs';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { rsaPrivateKeyProblem } from '../crypto/rsa-oaep.js';
import { ed25519KeyProblem } from '../online-license/signing-key.js';

type Env = Record<string, string | undefined>;

/**
 * The configuration with the key files it names read and checked: the Kit's RSA private key and the License signing
 * key. Every problem of the environment and of the files is listed at once.
 */
export function loadServerConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  let config: Config | undefined;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const kitKey = readKey('KIT_RSA_PRIVATE_KEY_FILE', env.KIT_RSA_PRIVATE_KEY_FILE, rsaPrivateKeyProblem, problems);
  const licenseKey = readKey('LICENSE_SIGNING_KEY_FILE', env.LICENSE_SIGNING_KEY_FILE, ed25519KeyProblem, problems);
  if (problems.length > 0 || config === undefined) throw new ConfigError(problems);
  return {
    ...config,
    kit: { ...config.kit, ...(kitKey ? { rsaPrivateKeyPem: kitKey } : {}) },
    onlineLicense: { ...config.onlineLicense, ...(licenseKey ? { signingKeyPem: licenseKey } : {}) },
  };
}

/** For an entry point: the configuration, or its problems on stderr (one line when there is one) and exit code 2. */
export function loadServerConfigOrExit(env: Env = process.env): Config {
  try {
    return loadServerConfig(env);
  } catch (error) {
    process.stderr.write(`kgkit: ${configProblemText(error)}\n`);
    process.exit(2);
  }
}

/** A configuration error as the command line shows it: one line for one problem, else the list. */
export function configProblemText(error: unknown): string {
  if (!(error instanceof ConfigError)) return String((error as Error).message ?? error);
  return error.problems.length === 1 ? `invalid configuration: ${error.problems[0]}` : error.message;
}

function readKey(name: string, file: string | undefined, problemOf: (pem: string) => string | undefined, problems: string[]): string | undefined {
  if (file === undefined || file === '') return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`${name}: cannot read ${file} (${osReason(error as NodeJS.ErrnoException)}): set ${name} to a readable PEM file`);
    return undefined;
  }
  const problem = problemOf(pem);
  if (problem) problems.push(`${name} ${problem}`);
  return problem ? undefined : pem;
}

/** What the OS said, without Node's stack: "no such file or directory, ENOENT". */
function osReason(error: NodeJS.ErrnoException): string {
  const said = /^[A-Z]+: ([^,]+)/.exec(error.message)?.[1];
  return said && error.code ? `${said}, ${error.code}` : (error.code ?? error.message);
}
