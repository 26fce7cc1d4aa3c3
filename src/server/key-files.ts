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

/** For an entry point: the configuration, or the list of problems on stderr and exit code 2. */
export function loadServerConfigOrExit(env: Env = process.env): Config {
  try {
    return loadServerConfig(env);
  } catch (error) {
    process.stderr.write(`kgkit: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

function readKey(name: string, file: string | undefined, problemOf: (pem: string) => string | undefined, problems: string[]): string | undefined {
  if (file === undefined || file === '') return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  const problem = problemOf(pem);
  if (problem) problems.push(`${name} ${problem}`);
  return problem ? undefined : pem;
}
