// The dashboard's build: web/index.html and web/src → dist/web (index.html, assets/ with
// hashed names). scripts/build-web.mjs runs it; `npx vite --config web/vite.config.ts`
// serves it with hot reload, proxying the API to an Outpost on 127.0.0.1:3000.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url))

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  // The page runs under `script-src 'self'`: everything is a file of its own, nothing inline.
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    target: 'es2022',
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', ws: true },
      '/bin': 'http://127.0.0.1:3000',
    },
  },
})
