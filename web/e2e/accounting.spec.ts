import { expect, test, type Page } from '@playwright/test'
import { login, shot } from './helpers'

async function confirmBox(page: Page): Promise<void> {
  await page.locator('.el-message-box .el-button--primary').click()
}

async function logout(page: Page): Promise<void> {
  await page.locator('[data-test=logout]').click()
  await expect(page).toHaveURL(/\/login/)
}

test('enterprise enters a month, park admin approves, the results and report follow', async ({ page }) => {
  test.setTimeout(180_000)
  // 1. enterprise user: the month's activity data
  await login(page, 'ent.user', 'Demo#2026ent')
  await page.goto('/activity')
  await expect(page.getByRole('heading', { name: '活动数据' })).toBeVisible()
  await page.locator('[data-test=start]').click()
  await expect(page.locator('[data-test=status]')).toContainText('草稿')

  // a fuel source (烟煤) configured for the enterprise
  await page.locator('[data-test=add-source]').click()
  const srcDialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test=save-source]') })
  await srcDialog.locator('[data-test=field-code] input').fill('BOILER-COAL')
  await srcDialog.locator('[data-test=field-name] input').fill('1#锅炉烟煤')
  await srcDialog.locator('[data-test=save-source]').click()
  await expect(srcDialog).toBeHidden()

  // a record: a negative quantity is refused on its field by the server, then a good one is saved
  await page.locator('[data-test=add-record]').click()
  const dialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test=save]') })
  await dialog.locator('[data-test=field-quantity] input').fill('-5')
  await dialog.locator('[data-test=save]').click()
  await expect(dialog.locator('[data-test=field-quantity] .el-form-item__error')).toBeVisible()
  await shot(page, '20-activity-field-error')
  await dialog.locator('[data-test=field-quantity] input').fill('1200')
  await dialog.locator('[data-test=field-comment] textarea').fill('10月入厂煤结算单')
  await dialog.locator('[data-test=save]').click()
  await expect(dialog).toBeHidden()
  const row = page.locator('[data-test=records] .el-table__body-wrapper .el-table__row')
  await expect(row).toHaveCount(1)
  await expect(row.first()).toContainText('1#锅炉烟煤')
  await expect(row.first()).toContainText('1,200.000')
  await expect(row.first()).toContainText('计量台账')

  // a broken import file: the problem's cell errors are listed, nothing is imported
  await page.locator('[data-test=import-file]').setInputFiles({ name: 'bad.xlsx', mimeType: 'application/octet-stream', buffer: Buffer.from('not a workbook') })
  await expect(page.locator('[data-test=import-errors] .el-table__row').first()).toBeVisible()
  await expect(row).toHaveCount(1)
  await shot(page, '21-activity-import-errors')

  // the Excel template downloads
  const tpl = page.waitForEvent('download')
  await page.locator('[data-test=template]').click()
  expect((await tpl).suggestedFilename()).toMatch(/\.xlsx$/)

  await page.locator('[data-test=submit]').click()
  await confirmBox(page)
  await expect(page.locator('[data-test=status]')).toContainText('已提交')
  await expect(page.locator('[data-test=add-record]')).toBeDisabled()
  await shot(page, '22-activity-submitted')
  await logout(page)

  // 2. park admin approves
  await login(page, 'park.admin', 'Demo#2026park')
  await page.goto('/activity-review')
  const pending = page.locator('[data-test=table] .el-table__body-wrapper .el-table__row')
  await expect(pending.first()).toContainText('已提交')
  await pending.first().locator('[data-test=review]').click()
  const review = page.locator('.el-dialog').filter({ has: page.locator('[data-test=approve]') })
  await expect(review).toContainText('1#锅炉烟煤')
  await review.locator('[data-test=field-comment] textarea').fill('数据与结算凭证一致')
  await shot(page, '23-review-dialog')
  await review.locator('[data-test=approve]').click()
  await expect(review).toBeHidden()
  await expect(page.locator('[data-test=table] .el-table__body-wrapper .el-table__row')).toHaveCount(0)
  await logout(page)

  // 3. enterprise user: results of the month, provenance, report
  await login(page, 'ent.user', 'Demo#2026ent')
  await page.goto('/activity')
  await expect(page.locator('[data-test=status]')).toContainText('已批准')
  await expect(page.locator('[data-test=review-comment]')).toContainText('数据与结算凭证一致')
  await page.goto('/accounting-results')
  await page.locator('[data-test=run]').click()
  const total = page.locator('[data-test=card-total] .value')
  await expect(total).not.toHaveText('—')
  const value = Number((await total.innerText()).replace(/,/g, ''))
  expect(value).toBeGreaterThan(1000) // 1200 t of bituminous coal: roughly 2 tCO2 per tonne
  await expect(page.locator('.dc-chart canvas').first()).toBeVisible()
  await page.waitForTimeout(800)
  await shot(page, '24-results')

  await page.locator('[data-test=lines] .el-table__body-wrapper .el-table__row').first().click()
  const drawer = page.locator('.el-drawer')
  await expect(drawer.locator('[data-test=provenance-params] .el-table__row').first()).toBeVisible()
  await shot(page, '25-provenance')
  await drawer.locator('.el-drawer__close-btn').click()

  const docx = page.waitForEvent('download')
  await page.locator('[data-test=report-docx]').click()
  expect((await docx).suggestedFilename()).toMatch(/\.docx$/)
  const xlsx = page.waitForEvent('download')
  await page.locator('[data-test=report-xlsx]').click()
  expect((await xlsx).suggestedFilename()).toMatch(/\.xlsx$/)
})

test('factor library: filter by tier, history of a key, export', async ({ page }) => {
  await login(page, 'park.admin', 'Demo#2026park')
  await page.goto('/factors')
  const rows = page.locator('[data-test=table] .el-table__body-wrapper .el-table__row')
  await expect(rows.first()).toBeVisible()
  await page.locator('input[data-test=filter-key], [data-test=filter-key] input').fill('fuelA.bituminous_coal.ncv')
  await page.locator('[data-test=search-button]').click()
  await expect(rows.first()).toContainText('bituminous_coal')
  await rows.first().locator('[data-test=history]').click()
  await expect(page.locator('.el-drawer .el-timeline-item').first()).toBeVisible()
  await shot(page, '26-factor-history')
  await page.locator('.el-drawer__close-btn').click()
  const download = page.waitForEvent('download')
  await page.locator('[data-test=export]').click()
  expect((await download).suggestedFilename()).toMatch(/\.xlsx$/)
  await shot(page, '27-factors')
})
