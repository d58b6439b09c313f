import { rmSync } from 'node:fs'

export default function teardown(): void {
  const dir = process.env.DC_E2E_DATA
  if (dir && dir.includes('dualcarbon-e2e-')) rmSync(dir, { recursive: true, force: true })
}
