import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// "Handlers that return a code or shape the contract does not allow must fail to compile": compile fixtures with
// the project's compiler settings and read the errors.
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const TSC_FLAGS = [
  '--noEmit',
  '--strict',
  '--module',
  'nodenext',
  '--moduleResolution',
  'nodenext',
  '--target',
  'es2022',
  '--resolveJsonModule',
  '--skipLibCheck',
  '--types',
  'node',
];

function compileErrors(file: string): Map<number, string> {
  let output = '';
  try {
    execFileSync('npx', ['tsc', ...TSC_FLAGS, file], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    output = (error as { stdout: string }).stdout;
  }
  const errors = new Map<number, string>();
  for (const match of output.matchAll(/\((\d+),\d+\): error (TS\d+: .*)/g)) errors.set(Number(match[1]), match[2]!);
  return errors;
}

describe('generated handler types', () => {
  it('refuse every answer the contract does not allow', () => {
    const lines = readFileSync(fixture('bad-handlers.ts'), 'utf8').split('\n');
    const expected = lines.flatMap((line, i) => (line.endsWith('// must not compile') ? [i + 1] : []));
    const errors = compileErrors(fixture('bad-handlers.ts'));
    expect(expected.length).toBe(9);
    for (const line of expected) expect(errors.has(line), `line ${line}: ${lines[line - 1]}`).toBe(true);
    expect([...errors.keys()].filter((line) => !expected.includes(line))).toEqual([]);
  });

  it('accept the answers it allows', () => {
    expect(compileErrors(fixture('good-handlers.ts'))).toEqual(new Map());
  });
});
