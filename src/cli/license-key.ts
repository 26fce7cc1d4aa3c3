/** `kgkit license-key`: the public key (SPKI PEM) that verifies kgkit's Licenses, for the seller to build into their software. */
import { CommandError, type CommandIo, type CommandSpec, runCommand } from './command.js';
import { READ_OPTIONS, readTarget, withReadStore } from './read-store.js';

export const LICENSE_KEY = {
  name: 'license-key',
  summary: 'the public key (PEM) that verifies the Licenses kgkit issues, to build into your software',
  synopsis: '[--database <url>]',
  about: [
    "The key of LICENSE_SIGNING_KEY_FILE when it is set; else the one kept in the server's database (sealed with",
    'KGKIT_DATA_KEY), made there now if no License was issued yet. A database that does not exist is never created.',
  ],
  options: { database: READ_OPTIONS.database },
  environment: [
    ['LICENSE_SIGNING_KEY_FILE', 'the Ed25519 private key (PEM) Licenses are signed with, when the seller keeps it in a file'],
    ['DATABASE_URL', "else the server's database, where the key is kept; --database overrides it"],
    ['KOOGALLERY_ACCESS_KEY', 'and the rest of the server configuration: the data key that seals the stored key derives from it'],
    ['KGKIT_DATA_KEY', 'the data key, when set'],
  ],
  examples: ['kgkit license-key > license-public.pem', 'DATABASE_URL=postgres://kgkit@db/kgkit kgkit license-key'],
  failure: 'the stored key could not be read or made (another data key sealed it; the database failed)',
} as const satisfies CommandSpec;

export function licenseKeyCommand(argv: string[], io: CommandIo = {}): Promise<number> {
  return runCommand(LICENSE_KEY, argv, io, async (values, { out, env }) => {
    const [{ DataKeys }, { ed25519PrivateKey, licenseSigningKey, publicKeyPem }, { databaseProblem }, { configProblemText, loadServerConfig }, { openStore }] =
      await Promise.all([
        import('../crypto/data-keys.js'),
        import('../online-license/signing-key.js'),
        import('../server/database-problem.js'),
        import('../server/key-files.js'),
        import('../store/connect.js'),
      ]);
    let config;
    try {
      config = loadServerConfig(env);
    } catch (error) {
      throw new CommandError(configProblemText(error));
    }
    const pem = config.onlineLicense.signingKeyPem;
    if (pem !== undefined) return (out(publicKeyPem(ed25519PrivateKey(pem))), 0);
    const target = values.database === undefined ? { location: config.database, setting: 'DATABASE_URL' as const } : readTarget(values.database, env);
    const { location, setting } = target;
    // Checked read-only first: a mistyped location must not become a new database holding a key nobody uses.
    await withReadStore(target, async () => undefined);
    let store;
    try {
      store = await openStore(location, { connectTimeoutMs: 5_000 });
    } catch (error) {
      const { line, exitCode } = databaseProblem(location, error, setting);
      throw new CommandError(line, exitCode);
    }
    try {
      out(publicKeyPem(await licenseSigningKey({ db: store.db, keys: new DataKeys(config) })()));
      return 0;
    } catch (error) {
      throw new CommandError((error as Error).message, 1);
    } finally {
      await store.close();
    }
  });
}
