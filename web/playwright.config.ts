/**
 * End-to-end tests against the real server: `python3 -m dualcarbon demo` on a free port with a
 * fresh temporary data directory (SQLite), serving the SPA built by `npm run build`. The browser is
 * Debian's Chromium (/usr/bin/chromium); Playwright downloads no browser.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from '@playwright/test'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const WEBUI = join(ROOT, 'src', 'dualcarbon', 'webui')

// The config is evaluated by the runner and again by each worker: the port and data directory
// are chosen once and handed down through the environment.
if (!process.env.DC_E2E_PORT) {
  process.env.DC_E2E_PORT = execFileSync(process.execPath, [
    '-e',
    'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})',
  ])
    .toString()
    .trim()
  process.env.DC_E2E_DATA = mkdtempSync(join(tmpdir(), 'dualcarbon-e2e-'))
}
if (!existsSync(join(WEBUI, 'index.html'))) {
  throw new Error(`no built web UI in ${WEBUI}: run "npm run build" first`)
}
const port = process.env.DC_E2E_PORT
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  globalTeardown: './e2e/teardown.ts',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: chromium, args: ['--no-sandbox', '--disable-dev-shm-usage'] },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `python3 -m dualcarbon demo --host 127.0.0.1 --port ${port} --no-web`,
    cwd: ROOT,
    url: `http://127.0.0.1:${port}/healthz`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      DUALCARBON_DATA_DIR: process.env.DC_E2E_DATA as string,
      DUALCARBON_WEB__DIST_DIR: WEBUI,
      PYTHONPATH: [join(ROOT, 'src'), process.env.PYTHONPATH].filter(Boolean).join(':'),
      PYTHONDONTWRITEBYTECODE: '1',
    },
  },
})
