import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// Every JS and CSS file also as .gz beside it: the hub's file responses send it to browsers
// that accept gzip, so the first page load is what `make ui` reports.
function gzipAssets(): Plugin {
  return {
    name: 'gzip-assets',
    apply: 'build',
    enforce: 'post',
    // After the files are written: what is compressed is exactly what is served uncompressed.
    writeBundle(options, bundle) {
      for (const name of Object.keys(bundle)) {
        if (!/\.(js|css|svg)$/.test(name)) continue
        const file = join(options.dir ?? 'dist', name)
        writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }))
      }
    },
  }
}

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus per component: only the components a template uses, with their styles.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
    gzipAssets(),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
    reportCompressedSize: false,
  },
})
