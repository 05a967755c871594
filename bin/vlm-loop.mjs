#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`, which `make demo` and `make test` run) when it
// is newer than every source file; otherwise the TypeScript sources through tsx, so a clone or an edited
// checkout still needs no build step. Compiled, the CLI starts several times faster: tsx transpiles every
// module at run time. VLM_LOOP_TSX=1 always takes the sources.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const STAMP = `${root}dist/.built`;

/** Whether dist/ was built after the last change to src/ (a stat per source file: a few milliseconds). */
function builtIsFresh() {
  if (process.env.VLM_LOOP_TSX === '1') return false;
  let built;
  try {
    built = fs.statSync(STAMP).mtimeMs;
  } catch {
    return false;
  }
  const src = `${root}src/`;
  for (const entry of fs.readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && fs.statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs > built)
      return false;
  }
  return true;
}

if (builtIsFresh()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
