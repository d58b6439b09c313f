import { expect, test } from '@playwright/test'
import { makeCreditCode } from '../src/utils/creditCode'
import { choose, login, shot } from './helpers'

test('park admin creates an enterprise: bad credit code and taken code are refused on their fields', async ({ page }) => {
  const stamp = Date.now().toString().slice(-6)
  const body = `E2E${stamp}`.slice(0, 8)
  const valid = makeCreditCode('91', '320600', body)
  const badCheck = valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0')
  const name = `滨江新材料科技有限公司${stamp}`

  // login page in Chinese
  await page.goto('/')
  await expect(page).toHaveURL(/\/login/)
  await expect(page.getByRole('heading', { name: '化工园区双碳管理信息系统' })).toBeVisible()
  await shot(page, '01-login')
  await login(page, 'park.admin', 'Demo#2026park')

  // landing page: the park overview with its cards and charts
  await expect(page).toHaveURL(/\/overview/)
  await expect(page.locator('[data-test=card-enterprises] .value')).toHaveText('23')
  await expect(page.locator('.dc-chart canvas').first()).toBeVisible()
  // the menu shows the modules a park admin has, not the administrators'
  await expect(page.locator('[data-test=menu-enterprises]')).toBeAttached()
  await expect(page.locator('text=审计日志')).toHaveCount(0)

  // enterprises
  await page.locator('.el-sub-menu', { hasText: '主数据' }).first().click()
  await page.locator('[data-test=menu-enterprises]').click()
  await expect(page).toHaveURL(/\/enterprises/)
  await expect(page.locator('[data-test=table] .el-table__row').first()).toBeVisible()
  await expect(page.locator('.el-pagination__total')).toContainText('23')
  await shot(page, '03-enterprises')

  await page.locator('[data-test=create]').click()
  const dialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test=save]') })
  await expect(dialog).toBeVisible()
  await choose(page, dialog.locator('[data-test=field-park_id]'), '南通滨江化学工业园区')
  await dialog.locator('[data-test=field-code] input').fill('AD-ADA') // taken by a demo enterprise
  await dialog.locator('[data-test=field-name] input').fill(name)
  await dialog.locator('[data-test=field-credit_code] input').fill(badCheck)
  await choose(page, dialog.locator('[data-test=field-industry_code]'), '2614 有机化学原料制造')
  await dialog.locator('[data-test=field-contact_phone] input').fill('0513-88990011')
  await dialog.locator('[data-test=save]').click()

  // 1. the GB 32100 check digit is wrong: refused on the credit-code field, in Chinese
  const creditError = dialog.locator('[data-test=field-credit_code] .el-form-item__error')
  await expect(creditError).toHaveText('统一社会信用代码校验码错误')
  await shot(page, '04-enterprise-invalid-credit-code')

  // 2. fix it; the server refuses the taken code, and its problem lands on the code field
  await dialog.locator('[data-test=field-credit_code] input').fill(valid)
  await dialog.locator('[data-test=save]').click()
  const codeError = dialog.locator('[data-test=field-code] .el-form-item__error')
  await expect(codeError).toHaveText('编码已被使用')
  await expect(creditError).toHaveCount(0)
  await shot(page, '05-enterprise-code-taken')

  // 3. a fresh code: saved, the dialog closes and the new row is in the table
  await dialog.locator('[data-test=field-code] input').fill(`E2E-${stamp}`)
  await dialog.locator('[data-test=save]').click()
  await expect(dialog).toBeHidden()
  await expect(page.locator('.el-pagination__total')).toContainText('24')
  await page.locator('input[data-test=search], [data-test=search] input').fill(name)
  await page.locator('[data-test=search-button]').click()
  const row = page.locator('[data-test=table] .el-table__body-wrapper .el-table__row')
  await expect(row).toHaveCount(1)
  await expect(row.first()).toContainText(valid)
  await expect(row.first()).toContainText('有机化学原料制造')
  await shot(page, '06-enterprise-created')

  // the overview counts it
  await page.locator('[data-test=menu-overview]').click()
  await expect(page.locator('[data-test=card-enterprises] .value')).toHaveText('24')
  await page.waitForTimeout(800) // let the chart animation settle for the screenshot
  await shot(page, '02-overview')
})

test('metering devices page filters by calibration status and exports Excel', async ({ page }) => {
  await login(page, 'park.admin', 'Demo#2026park')
  await page.goto('/devices')
  await expect(page.locator('[data-test=table] .el-table__row').first()).toBeVisible()
  await choose(page, page.locator('.toolbar .el-select').nth(2), '已超期')
  await expect(page.locator('[data-test=table] .el-table__body-wrapper .el-table__row').first()).toContainText('已超期')
  const download = page.waitForEvent('download')
  await page.locator('[data-test=export]').click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/\.xlsx$/)
  await shot(page, '07-devices-overdue')
})

test('the UI switches to English and remembers it', async ({ page }) => {
  await login(page, 'park.admin', 'Demo#2026park')
  await page.goto('/metering-points')
  await choose(page, page.locator('[data-test=locale]'), 'English')
  await expect(page.getByRole('heading', { name: 'Metering points' })).toBeVisible()
  await page.reload()
  await expect(page.getByRole('heading', { name: 'Metering points' })).toBeVisible()
  await expect(page.locator('[data-test=table] .el-table__row').first()).toContainText('Electricity')
  await shot(page, '08-metering-points-en')
})
