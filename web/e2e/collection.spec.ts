import { createHmac } from 'node:crypto'
import { expect, test } from '@playwright/test'
import { choose, login, shot } from './helpers'

test('park admin registers an HJ 212 data logger and maps its factors to metering points', async ({ page }) => {
  await login(page, 'park.admin', 'Demo#2026park')
  await page.locator('.el-aside').getByText('监测运维').click() // the menu group opens
  await page.locator('.el-aside').getByText('数采仪（HJ 212）').click()
  await expect(page).toHaveURL(/\/hj212-devices$/)

  // a logger whose MN is not HJ 212-2017's 24 hex characters is refused with the rule named
  await page.locator('[data-test=create]').click()
  const dialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test=save]') })
  await choose(page, dialog.locator('[data-test=field-enterprise_id]'), '园区热电有限公司')
  await dialog.locator('[data-test=field-name] input').fill('1#锅炉 CEMS 数采仪')
  await dialog.locator('[data-test=field-mn] input').fill('ZLDSZ20210127')
  await dialog.locator('[data-test=field-password] input').fill('123456')
  await dialog.locator('[data-test=save]').click()
  await expect(dialog.locator('[data-test=field-mn] .el-form-item__error')).toContainText('24 位十六进制')
  await shot(page, 'hj212-device-mn-error')
  await dialog.locator('[data-test=field-mn] input').fill('010000A8900016F000169DC0')
  await dialog.locator('[data-test=save]').click()
  await expect(dialog).toBeHidden()
  const row = page.locator('[data-test=table] .el-table__body-wrapper .el-table__row').filter({ hasText: '010000A8900016F000169DC0' })
  await expect(row).toContainText('1#锅炉 CEMS 数采仪')
  await expect(row).toContainText('离线')

  // the factor map: CO2 in % to the CO2 point; flue-gas flow sent in m³/s to a point in m³/h
  await row.locator('[data-test=action-factors]').click()
  const editor = page.locator('[data-test=factor-editor]')
  await expect(editor).toBeVisible()
  await expect(editor).toContainText('尚未配置因子')
  const rows = editor.locator('[data-test=factor-table] .el-table__body-wrapper .el-table__row')
  async function fill(i: number, factor: RegExp, point: RegExp) {
    const r = rows.nth(i)
    await choose(page, r.locator('td').nth(2), factor)
    await choose(page, r.locator('td').nth(4), point)
  }
  await editor.locator('[data-test=add-factor]').click()
  await fill(0, /^a05001 二氧化碳$/, /CO2-.*烟气CO2浓度/)
  await editor.locator('[data-test=add-factor]').click()
  await fill(1, /^a00000 /, /FG-.*烟气流量/)
  await rows.nth(1).locator('td').nth(5).locator('input').fill('m3/s')
  await editor.locator('[data-test=add-factor]').click()
  await fill(2, /^a19001 /, /CO2-.*烟气CO2浓度/) // the same point twice: refused
  await editor.locator('[data-test=save-factors]').click()
  await expect(editor.locator('[data-test=factor-problem]')).toContainText('2 行有错误')
  await expect(rows.nth(1)).toContainText('请填写换算系数')
  await expect(rows.nth(2)).toContainText('只能对应一个因子')
  await shot(page, 'hj212-factor-map-errors')

  await rows.nth(2).locator('td').last().locator('button').click()
  await rows.nth(1).locator('td').nth(6).locator('input').fill('3600')
  await editor.locator('[data-test=save-factors]').click()
  await expect(editor.locator('[data-test=factor-problem]')).toBeHidden()
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0)).toContainText('a00000')
  await expect(rows.nth(1)).toContainText('a05001')
  await shot(page, 'hj212-factor-map')
  await editor.locator('.el-dialog__headerbtn').click()
  await expect(row.locator('td').nth(6)).toHaveText('2')
  await shot(page, 'hj212-devices')
})

test('park admin corrects a spiked reading; the original stays in the correction history', async ({ page }) => {
  await login(page, 'park.admin', 'Demo#2026park')
  // readings arrive through the device door, signed with a device key (as the edge agent does)
  const csrf = (await page.context().cookies()).find((c) => c.name === 'dc_csrf')?.value ?? ''
  const ents = await (await page.request.get('/api/v1/enterprises', { params: { q: '园区热电' } })).json()
  const ent = ents.items[0]
  // a point of its own: the demo's live feed writes to the boiler's CEMS points meanwhile
  const made = await page.request.post('/api/v1/metering-points', {
    data: { enterprise_id: ent.id, code: `NT-CHP.CO2-E2E${Date.now() % 100000}`, name: '2#锅炉烟气CO2浓度（人工比对）', medium: 'co2', unit: '%', measurement: 'instantaneous', direction: 'internal' },
    headers: { 'X-CSRF-Token': csrf },
  })
  expect(made.status()).toBe(201)
  const point = await made.json()
  const key = await (await page.request.post('/api/v1/device-keys', { data: { enterprise_id: ent.id, name: 'e2e 网关', algorithm: 'hmac-sha256' }, headers: { 'X-CSRF-Token': csrf } })).json()
  const t0 = Date.now() - 2 * 3600 * 1000
  const values = ['11.82', '11.79', '98.70', '11.85', '11.80']
  const readings = values.map((v, i) => ({ point: point.code, ts: new Date(t0 + i * 600_000).toISOString().replace(/\.\d+Z$/, 'Z'), value: v, quality: 'N' }))
  const body = JSON.stringify({ batch_id: 'e2e-1', agent_id: 'e2e', readings })
  const ts = Math.floor(Date.now() / 1000)
  const sig = createHmac('sha256', key.secret).update(`${ts}\ne2e-1\n${body}`).digest('hex')
  const door = await page.request.post('/api/v1/ingest/batches', {
    data: body,
    headers: { 'Content-Type': 'application/json', 'X-Device-Key': key.key_id, 'X-Timestamp': String(ts), 'X-Batch-Id': 'e2e-1', 'X-Signature': `hmac-sha256=${sig}` },
  })
  expect((await door.json()).accepted).toBe(5)

  await page.goto('/reading-corrections')
  await choose(page, page.locator('[data-test=pick-enterprise]'), '园区热电有限公司')
  await choose(page, page.locator('[data-test=pick-point]'), point.code)
  const rows = page.locator('[data-test=readings] .el-table__body-wrapper .el-table__row')
  await expect(rows).toHaveCount(5)
  const spike = rows.filter({ hasText: '98.70' })
  await spike.locator('[data-test=correct]').click()
  const dialog = page.locator('[data-test=correct-dialog]')
  await dialog.locator('[data-test=field-value] input').fill('11.83')
  await dialog.locator('[data-test=save-correction]').click()
  await expect(dialog.locator('[data-test=field-reason] .el-form-item__error')).toBeVisible() // a reason is required
  await dialog.locator('[data-test=field-reason] textarea').fill('分析仪标定期间示值异常，按前后均值修正')
  await shot(page, 'reading-correction-dialog')
  await dialog.locator('[data-test=save-correction]').click()
  await expect(dialog).toBeHidden()
  const fixed = rows.filter({ hasText: '11.83' })
  await expect(fixed).toContainText('已修正')
  await expect(fixed).toContainText('原始值 98.70')
  await shot(page, 'reading-corrections')
  await page.getByRole('tab', { name: '修正记录' }).click()
  const hist = page.locator('[data-test=table] .el-table__body-wrapper .el-table__row').first()
  await expect(hist).toContainText('98.70 → 11.83')
  await expect(hist).toContainText('分析仪标定期间示值异常')
  await shot(page, 'reading-correction-history')

  // the point is polled every 10 minutes: its daily record shows received against expected
  const patched = await page.request.patch(`/api/v1/metering-points/${point.id}`, { data: { expected_interval_seconds: 600 }, headers: { 'X-CSRF-Token': csrf } })
  expect(patched.ok()).toBeTruthy()
  await page.goto('/daily-records')
  await choose(page, page.locator('[data-test=daily-enterprise]'), '园区热电有限公司')
  await choose(page, page.locator('[data-test=daily-point]'), point.code)
  const day = page.locator('[data-test=daily] .el-table__body-wrapper .el-table__row').filter({ hasText: point.code }).last()
  await expect(day).toContainText('%')
  await expect(day.locator('.el-progress.low')).toBeVisible() // far below 90 %: shown in red
  await shot(page, 'daily-records-completeness')
})
