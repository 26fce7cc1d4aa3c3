import { existsSync } from 'node:fs';

// The code runs from the checkout (src/… under tsx), compiled (dist/src/…, scripts/build.ts), or later from an
// installed package: the files it reads beside itself are found from here, never by climbing a fixed number of
// folders from the file that reads them.

/** The folder holding this code's src/ and generated/: the checkout, or dist/, which carries its own copies of generated/'s bundled contracts. */
export const CODE_ROOT = new URL('../', import.meta.url);

/** The folder holding package.json, where docs/ lives whichever copy of the code runs; CODE_ROOT when none is found. */
export const PACKAGE_ROOT = packageRootAbove(CODE_ROOT);

function packageRootAbove(start: URL): URL {
  for (let dir = start; ; dir = new URL('../', dir)) {
    if (existsSync(new URL('package.json', dir))) return dir;
    if (dir.pathname === '/') return start;
  }
}

/** generated/<family>/<file> as shipped with the running code. */
export const generatedFile = (family: string, file: string): URL => new URL(`generated/${family}/${file}`, CODE_ROOT);
