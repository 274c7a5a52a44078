// Builds the web console (web/) into dist/console/: index.html plus one minified JS bundle and
// one CSS file under assets/, everything local (no CDN), as `sluice serve` serves it. Run by
// `npm run build` after tsc; prints the bundle's size (minified and gzip).

import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '..', '..');
const out = path.join(root, 'dist', 'console');

export async function buildConsole(): Promise<{ js: number; jsGzip: number; css: number; cssGzip: number }> {
  mkdirSync(path.join(out, 'assets'), { recursive: true });
  await build({
    entryPoints: { console: path.join(root, 'web', 'src', 'main.tsx') },
    outdir: path.join(out, 'assets'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    tsconfig: path.join(root, 'web', 'tsconfig.json'),
  });
  copyFileSync(path.join(root, 'web', 'index.html'), path.join(out, 'index.html'));
  const size = (f: string) => {
    const b = readFileSync(path.join(out, 'assets', f));
    return [b.length, gzipSync(b, { level: 9 }).length] as const;
  };
  const [js, jsGzip] = size('console.js');
  const [css, cssGzip] = size('console.css');
  return { js, jsGzip, css, cssGzip };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const s = await buildConsole();
console.log(`console: dist/console/assets/console.js ${kb(s.js)} (${kb(s.jsGzip)} gzip), console.css ${kb(s.css)} (${kb(s.cssGzip)} gzip)`);
