import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(here, 'dist', 'web');

/**
 * Writes gzip and brotli copies of the text assets beside them, so `ciop serve` sends compressed
 * files without compressing on every request.
 */
function precompress(): Plugin {
  return {
    name: 'ciop-precompress',
    apply: 'build',
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const file = path.join(dir, name);
          return statSync(file).isDirectory() ? walk(file) : [file];
        });
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json|txt)$/.test(file)) continue;
        const content = readFileSync(file);
        if (content.length < 1024) continue;
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

// The web applications: src/web → dist/web, served by `ciop serve` at `/`.
export default defineConfig({
  root: path.join(here, 'src', 'web'),
  base: '/',
  // Kept in the checkout (ignored by git), not in node_modules, which may be shared.
  cacheDir: path.join(here, '.tmp', 'vite'),
  plugins: [vue(), precompress()],
  resolve: { alias: { '#common': path.join(here, 'src', 'common') } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // ECharts' core is about 520 kB minified (170 kB compressed); it loads only with a chart.
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { '/api': 'http://localhost:8080' } },
});
