// Builds the web app (web/src) into web/dist with esbuild: one bundle, one stylesheet, the HTML shell.
// Run by `npm run build:web`, the Makefile's install step and the test setup; the output is not committed.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'dist');

export async function buildWeb({ minify = true } = {}): Promise<string> {
  await fs.mkdir(out, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'src/main.tsx')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify,
    sourcemap: 'linked',
    outfile: path.join(out, 'app.js'),
    logLevel: 'warning',
  });
  await fs.copyFile(path.join(root, 'src/index.html'), path.join(out, 'index.html'));
  await fs.copyFile(path.join(root, 'src/app.css'), path.join(out, 'app.css'));
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = await buildWeb({ minify: !process.argv.includes('--dev') });
  console.log(`web app built into ${path.relative(process.cwd(), dir) || '.'}`);
}
