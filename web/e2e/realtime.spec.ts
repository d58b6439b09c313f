import { expect, test } from '@playwright/test'
import { choose, login, shot } from './helpers'

/**
 * 实时监测 in the demo: the demo server streams simulated readings through its real HJ 212 and
 * MQTT doors; the page receives them as server-sent events and the tiles move by themselves.
 */
test('park admin watches the CHP boiler CEMS move live and opens its history', async ({ page }) => {
  await login(page, 'park.admin', 'Demo#2026park')
  await page.goto('/realtime')
  await expect(page.getByTestId('live-status')).toContainText('实时推送中')
  await choose(page, page.getByTestId('live-enterprise'), '园区热电有限公司')

  const tile = page.locator('.tile[data-point="NT-CHP.CEMS-B1-CO2"]')
  await expect(tile).toBeVisible()
  const value = tile.getByTestId('tile-value')
  await expect(value).toHaveText(/^\d+\.\d+$/)
  const first = await value.textContent()
  // the logger sends every 5 s: a new value arrives without any reload
  await expect(value).not.toHaveText(first ?? '', { timeout: 20_000 })
  await expect(tile).toContainText('%')
  await expect(tile).toContainText('正常')
  await expect(page.locator('.tile[data-point="NT-CHP.CEMS-B1-FLOW"]')).toContainText('m3/s')
  await shot(page, '30-realtime')

  await tile.click()
  const drawer = page.locator('.el-drawer')
  await expect(drawer).toContainText('1#锅炉烟气CO2浓度（CEMS）')
  await drawer.getByText('近 1 小时').click()
  await expect(drawer.locator('.el-tag', { hasText: '原始数据' })).toBeVisible()
  await expect(drawer.locator('canvas')).toBeVisible()
  await expect(drawer).toContainText('均值')
  await shot(page, '31-realtime-history')
})

test('park admin reads the CHP monthly monitoring report with CEMS CO2 and exports it', async ({ page }) => {
  await login(page, 'park.admin', 'Demo#2026park')
  await page.goto('/monitoring-report')
  await choose(page, page.getByTestId('report-enterprise'), '园区热电有限公司')
  await page.getByText('月报', { exact: true }).click()
  const title = page.getByTestId('report-title')
  await expect(title).toContainText('园区热电有限公司 在线监测月报')
  const table = page.getByTestId('report-table')
  await expect(table).toContainText('1#锅炉CO2连续排放监测系统')
  await expect(table).toContainText('总进线电量')
  await expect(table.locator('.summary-row').first()).toContainText('合计')
  // the demo's past: three days of CEMS minutes make valid hours, so the month has CO2 tonnes
  const total = table.locator('.summary-row').first().locator('td').last()
  await expect(total).toHaveText(/^\d{1,3}(,\d{3})*(\.\d+)?$/)
  await shot(page, '32-monitoring-report')
  const download = page.waitForEvent('download')
  await page.getByTestId('report-export').click()
  expect((await download).suggestedFilename()).toMatch(/园区热电有限公司-month-\d{4}-\d{2}\.xlsx/)
})
