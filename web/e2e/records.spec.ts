import { expect, test } from '@playwright/test'
import { choose, login, shot } from './helpers'

test('park admin records a QC check and approves it; sets up a calibration alarm rule', async ({ page }) => {
  await login(page, 'park.admin', 'Demo#2026park')

  // alarm rule: calibration overdue on a device of the first enterprise
  await page.goto('/alarm-rules')
  await page.locator('[data-test=create]').click()
  const dialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test=save]') })
  await choose(page, dialog.locator('[data-test=field-enterprise_id]'), '园区热电有限公司')
  await dialog.locator('[data-test=field-name] input').fill('1#锅炉 CEMS 检定到期提醒')
  await choose(page, dialog.locator('[data-test=field-kind]'), '检定超期')
  await choose(page, dialog.locator('[data-test=field-device_id]'), 'D-CO2-B1')
  await dialog.locator('[data-test=save]').click()
  await expect(dialog).toBeHidden()
  const ruleRow = page.locator('[data-test=table] .el-table__body-wrapper .el-table__row').first()
  await expect(ruleRow).toContainText('1#锅炉 CEMS 检定到期提醒')
  await expect(ruleRow).toContainText('园区热电有限公司')
  await expect(ruleRow).toContainText('检定超期')

  // QC record: a zero-drift check, then the park admin's review
  await page.goto('/qc-records')
  await page.locator('[data-test=create]').click()
  await choose(page, dialog.locator('[data-test=field-enterprise_id]'), '园区热电有限公司')
  await choose(page, dialog.locator('[data-test=field-kind]'), '零点漂移')
  await choose(page, dialog.locator('[data-test=field-device_id]'), 'D-CO2-B1')
  const when = dialog.locator('[data-test=field-performed_at] input')
  await when.fill('2026-11-20 10:00:00')
  await when.press('Enter')
  await dialog.locator('[data-test=field-reference_value] input').fill('0')
  await dialog.locator('[data-test=field-measured_value] input').fill('0.8')
  await dialog.locator('[data-test=field-full_scale] input').fill('100')
  await dialog.locator('.el-dialog__title').click() // close the picker
  await dialog.locator('[data-test=save]').click()
  await expect(dialog).toBeHidden()
  const qcRow = page.locator('[data-test=table] .el-table__body-wrapper .el-table__row').first()
  await expect(qcRow).toContainText('零点漂移')
  await expect(qcRow).toContainText('待审核')
  await qcRow.locator('[data-test=action-approve]').click()
  await page.locator('.el-message-box textarea').fill('零点漂移在限值内')
  await page.locator('.el-message-box .el-button--primary').click()
  await expect(qcRow).toContainText('已通过')
  await shot(page, '09-qc-records')
})

test('the audit administrator sees only the audit log, verifies the chain and exports it', async ({ page }) => {
  await login(page, 'audit.admin', 'Demo#2026audit')
  await expect(page).toHaveURL(/\/audit/)
  // 三权分立: no business modules in the menu
  await expect(page.locator('[data-test=menu-enterprises]')).toHaveCount(0)
  await expect(page.locator('[data-test=menu-overview]')).toHaveCount(0)
  await expect(page.locator('[data-test=table] .el-table__row').first()).toBeVisible()
  await page.getByRole('button', { name: '校验哈希链' }).click()
  await expect(page.locator('.el-message--success')).toContainText('审计日志完整')
  const download = page.waitForEvent('download')
  await page.locator('[data-test=export]').click()
  expect((await download).suggestedFilename()).toBe('audit-log.xlsx')
  await shot(page, '10-audit-log')
})

test('the security administrator edits the policy; a bad value is refused on its field', async ({ page }) => {
  await login(page, 'sec.admin', 'Demo#2026sec')
  await page.goto('/security-policy')
  const minLen = page.locator('.el-form-item', { hasText: '密码最小长度' })
  await minLen.locator('input').fill('2')
  await page.getByRole('button', { name: '保存' }).click()
  await expect(minLen.locator('.el-form-item__error')).toBeVisible()
  await shot(page, '11-security-policy-error')
  await minLen.locator('input').fill('12')
  await page.getByRole('button', { name: '保存' }).click()
  await expect(page.locator('.el-message--success')).toBeVisible()
  await expect(minLen.locator('.el-form-item__error')).toHaveCount(0)
})
