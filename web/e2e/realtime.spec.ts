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
  await choose(page, page.locator('.toolbar .el-select').first(), '园区热电有限公司')

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
