import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Tools other teams use read every contract without an error: Spectral (spectral:oas, with the rules .spectral.yaml
// turns off and why), orval and hey-api generate a client of each, and those clients compile. openapi-typescript
// already runs in `make gen`. Each tool runs once over all contracts, the three at the same time.
//
// They read the bundled contracts (generated/<family>/openapi.json, equal to openapi/ by `make gen-check`): the one
// self-contained file a partner's tool is given. orval refuses the multi-file sources unless every referenced file is
// allow-listed, and Spectral cannot read their `$ref` path items (see .spectral.yaml).

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'node_modules/.bin');
const FAMILIES = readdirSync(join(ROOT, 'generated')).sort();
const contractOf = (family: string) => join(ROOT, 'generated', family, 'openapi.json');

type Run = { code: number; output: string };
async function run(command: string, args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(join(BIN, command), args, {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof code === 'number' ? code : 1, output: `${stdout}${stderr}` };
  }
}

describe('other tools read every contract', () => {
  const out = mkdtempSync(join(tmpdir(), 'kgkit-tools-'));
  let spectral: Run;
  let orval: Run;
  let heyApi: Run;
  let tsc: Run;

  beforeAll(async () => {
    writeFileSync(
      join(out, 'orval.config.mjs'),
      `export default ${JSON.stringify(Object.fromEntries(FAMILIES.map((f) => [f, { input: { target: contractOf(f) }, output: { target: join(out, 'orval', `${f}.ts`), client: 'fetch' } }])))};\n`,
    );
    // The clients as a partner would compile them: strict, for a runtime with fetch.
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        include: ['orval', 'hey-api'],
      }),
    );
    const clients = async () => {
      [orval, heyApi] = await Promise.all([
        run('orval', ['--config', join(out, 'orval.config.mjs'), '--fail-on-warnings']),
        run('openapi-ts', ['--no-log-file', '-i', ...FAMILIES.map(contractOf), '-o', ...FAMILIES.map((f) => join(out, 'hey-api', f))]),
      ]);
      tsc = await run('tsc', ['-p', join(out, 'tsconfig.json')]);
    };
    const lint = async () => {
      spectral = await run('spectral', [
        'lint',
        '--ruleset',
        join(ROOT, '.spectral.yaml'),
        '--format',
        'text',
        '--fail-severity',
        'hint',
        ...FAMILIES.map(contractOf),
      ]);
    };
    await Promise.all([clients(), lint()]);
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('Spectral (spectral:oas) finds nothing', () => {
    expect(spectral.output).toContain("No results with a severity of 'hint' or higher found!");
    expect(spectral.code, spectral.output).toBe(0);
  });

  it('orval generates a fetch client of every contract, without a warning', () => {
    expect(orval.code, orval.output).toBe(0);
    for (const family of FAMILIES) expect(existsSync(join(out, 'orval', `${family}.ts`)), family).toBe(true);
  });

  it('hey-api generates a client of every contract', () => {
    expect(heyApi.code, heyApi.output).toBe(0);
    for (const family of FAMILIES) expect(existsSync(join(out, 'hey-api', family, 'sdk.gen.ts')), family).toBe(true);
  });

  it('the generated clients compile', () => {
    expect(tsc.code, tsc.output).toBe(0);
  });
});
