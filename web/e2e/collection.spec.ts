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
