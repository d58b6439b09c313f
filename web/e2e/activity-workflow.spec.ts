import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test, type Page } from '@playwright/test'
import { choose, login, shot } from './helpers'

/**
 * The review loop of a month of activity data and the park level:
 * return with a comment → fix → resubmit → approve; evidence upload; a correction of approved
 * data and the re-run that follows it; the park run with its report, which an enterprise user
 * cannot see. June 2025 keeps clear of the month accounting.spec.ts uses.
 */
const MONTH = '2025-06'
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const RETURN_COMMENT = '天然气用量与结算单不符：6月结算单为 1,450 万Nm³，请核对后重新提交'

async function confirmBox(page: Page): Promise<void> {
  await page.locator('.el-message-box:visible .el-button--primary').click()
}

async function logout(page: Page): Promise<void> {
  await page.locator('[data-test=logout]').click()
  await expect(page).toHaveURL(/\/login/)
}

async function pickMonth(page: Page, value: string): Promise<void> {
  const input = page.locator('input[data-test=month], [data-test=month] input').first()
  await input.click()
  await input.fill(value)
  await input.press('Enter')
  await page.locator('h2').first().click() // close the picker
}

async function openMonth(page: Page): Promise<void> {
  await page.goto('/activity')
  await expect(page.getByRole('heading', { name: '活动数据' })).toBeVisible()
  await pickMonth(page, MONTH)
}

async function editQuantity(page: Page, qty: string): Promise<void> {
  await page.locator('[data-test=records] .el-table__body-wrapper [data-test=edit-record]').first().click()
  const dialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test=save]') })
  await dialog.locator('[data-test=field-quantity] input').fill(qty)
  await dialog.locator('[data-test=save]').click()
  await expect(dialog).toBeHidden()
}

async function submitMonth(page: Page): Promise<void> {
  await expect(page.locator('.el-overlay:visible')).toHaveCount(0) // dialogs and drawers closed
  await page.locator('[data-test=submit]').click()
  const box = page.locator('.el-message-box:visible')
  await expect(box).toContainText('确认提交')
  await confirmBox(page)
  await expect(box).toHaveCount(0)
  await expect(page.locator('[data-test=status]')).toContainText('已提交')
}

/** Park admin: open the month's submitted data set of 华星化肥 and approve or return it. */
async function review(page: Page, action: 'approve' | 'return', comment: string): Promise<void> {
  await login(page, 'park.admin', 'Demo#2026park')
  await page.goto('/activity-review')
  const row = page.locator('[data-test=table] .el-table__body-wrapper .el-table__row').filter({ hasText: MONTH }).first()
  await expect(row).toContainText('华星化肥有限公司')
  await row.locator('[data-test=review]').click()
  const dialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test=approve]') })
  await expect(dialog).toContainText('转化炉天然气')
  await expect(dialog.locator('[data-test=review-attachment]').first()).toContainText('结算单')
  await dialog.locator('[data-test=field-comment] textarea').fill(comment)
  await dialog.locator(`[data-test=${action}]`).click()
  await expect(dialog).toBeHidden()
  await logout(page)
}

async function csrf(page: Page): Promise<string> {
  const c = (await page.context().cookies()).find((x) => x.name === 'dc_csrf')
  expect(c, 'CSRF cookie').toBeTruthy()
  return c!.value
}

test('returned month, evidence, correction and the re-run after approval', async ({ page }) => {
  test.setTimeout(300_000)
  // 1. enterprise user: June's data with its evidence, submitted
  await login(page, 'ent.user', 'Demo#2026ent')
  await openMonth(page)
  await page.locator('[data-test=start]').click()
  await expect(page.locator('[data-test=status]')).toContainText('草稿')

  await page.locator('[data-test=add-source]').click()
  const srcDialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test=save-source]') })
  await srcDialog.locator('[data-test=field-code] input').fill('NG-REFORMER')
  await srcDialog.locator('[data-test=field-name] input').fill('转化炉天然气')
  await choose(page, srcDialog.locator('[data-test=field-fuel]'), '天然气')
  await choose(page, srcDialog.locator('[data-test=field-unit]'), '万Nm³')
  await srcDialog.locator('[data-test=save-source]').click()
  await expect(srcDialog).toBeHidden()

  await page.locator('[data-test=add-record]').click()
  const dialog = page.locator('.el-dialog').filter({ has: page.locator('[data-test=save]') })
  await choose(page, dialog.locator('[data-test=field-source_id]'), '转化炉天然气')
  await dialog.locator('[data-test=field-quantity] input').fill('1500')
  await choose(page, dialog.locator('[data-test=field-data_source]'), '结算凭证')
  await dialog.locator('[data-test=field-comment] textarea').fill('6月供气结算单')
  await dialog.locator('[data-test=save]').click()
  await expect(dialog).toBeHidden()
  const row = page.locator('[data-test=records] .el-table__body-wrapper .el-table__row')
  await expect(row).toHaveCount(1)
  await expect(row.first()).toContainText('1,500.000')
  await expect(row.first()).toContainText('万Nm³')
  await expect(row.first()).toContainText('化石燃料')

  // evidence: a refused type is explained before sending; a PDF is stored under its SHA-256
  await row.first().locator('[data-test=attachments]').click()
  const drawer = page.locator('.el-drawer').filter({ has: page.locator('[data-test=attachment-list]') })
  await expect(drawer).toContainText('20 MB')
  await drawer.locator('[data-test=attachment-file]').setInputFiles({ name: 'setup.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') })
  await expect(page.locator('.el-message--error')).toContainText('不支持的文件类型')
  const pdf = Buffer.from('%PDF-1.4\n% 江苏天然气有限公司 2025年6月 供气结算单 1500 万Nm3\n%%EOF\n')
  const sha = createHash('sha256').update(pdf).digest('hex')
  await drawer.locator('[data-test=attachment-file]').setInputFiles({ name: '2025-06-天然气结算单.pdf', mimeType: 'application/pdf', buffer: pdf })
  const att = drawer.locator('[data-test=attachment-list] .el-table__body-wrapper .el-table__row')
  await expect(att).toHaveCount(1)
  await expect(att.first()).toContainText('2025-06-天然气结算单.pdf')
  await expect(att.first().locator('[data-test=sha]')).toHaveText(sha.slice(0, 12))
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201e0a6cc340000000049454e44ae426082', 'hex')
  await drawer.locator('[data-test=attachment-file]').setInputFiles({ name: '流量计读数照片-2025-06-30.png', mimeType: 'image/png', buffer: png })
  await expect(att).toHaveCount(2)
  await expect(page.locator('.el-message')).toHaveCount(0, { timeout: 10_000 }) // toasts gone from the shot
  await shot(page, 'activity-attachments')
  const dl = page.waitForEvent('download')
  await att.first().locator('[data-test=download]').click()
  const file = await dl
  expect(file.suggestedFilename()).toBe('2025-06-天然气结算单.pdf')
  expect(createHash('sha256').update(readFileSync(await file.path())).digest('hex')).toBe(sha)
  await drawer.locator('.el-drawer__close-btn').click()
  await expect(row.first().locator('[data-test=attachments]')).toContainText('2')

  await submitMonth(page)
  await logout(page)

  // 2. park admin returns it with a comment
  await review(page, 'return', RETURN_COMMENT)

  // 3. enterprise user sees 已退回 and the comment, fixes the quantity and submits again
  await login(page, 'ent.user', 'Demo#2026ent')
  await openMonth(page)
  await expect(page.locator('[data-test=status]')).toContainText('已退回')
  await expect(page.locator('[data-test=review-comment]')).toContainText(RETURN_COMMENT)
  await expect(page.locator('[data-test=review-comment]')).toContainText('park.admin')
  await shot(page, 'activity-returned')
  await editQuantity(page, '1450')
  await expect(page.locator('[data-test=status]')).toContainText('草稿')
  await expect(row.first()).toContainText('1,450.000')
  await submitMonth(page)
  await logout(page)

  // 4. park admin approves
  await review(page, 'approve', '已与结算单核对一致')

  // 5. enterprise user: the approved month is locked; a correction makes version 2
  await login(page, 'ent.user', 'Demo#2026ent')
  await openMonth(page)
  await expect(page.locator('[data-test=status]')).toContainText('已批准 · v1')
  await expect(page.locator('[data-test=add-record]')).toBeHidden() // locked: only a correction
  await page.locator('[data-test=correct]').click()
  const corr = page.locator('.el-dialog').filter({ has: page.locator('[data-test=save-correct]') })
  await corr.locator('[data-test=save-correct]').click()
  await expect(corr.locator('[data-test=field-reason] .el-form-item__error')).toBeVisible() // a reason is required
  await corr.locator('[data-test=field-reason] textarea').fill('供气公司补开差额发票 30 万Nm³，6月用量更正为 1,480 万Nm³')
  await corr.locator('[data-test=save-correct]').click()
  await expect(corr).toBeHidden()
  await expect(page.locator('[data-test=status]')).toContainText('草稿 · v2')
  await expect(page.locator('[data-test=correction-banner]')).toContainText('补开差额发票')
  await expect(page.locator('[data-test=correction-banner]')).toContainText('第 1 版仍然有效')
  const versions = page.locator('[data-test=versions] .el-table__body-wrapper .el-table__row')
  await expect(versions).toHaveCount(2)
  await expect(row.first().locator('[data-test=attachments]')).toContainText('2') // evidence carried over
  await editQuantity(page, '1480')
  await submitMonth(page)
  await logout(page)

  await review(page, 'approve', '差额发票已核对')

  await login(page, 'ent.user', 'Demo#2026ent')
  await openMonth(page)
  await expect(page.locator('[data-test=status]')).toContainText('已批准 · v2')
  await expect(versions.nth(1)).toContainText('已被更正')
  await expect(versions.first()).toContainText('已批准')
  // an older version opens read only
  await versions.nth(1).locator('[data-test=view-version]').click()
  await expect(page.locator('[data-test=viewing-old]')).toContainText('第 1 版')
  await expect(row.first()).toContainText('1,450.000')
  await page.locator('[data-test=viewing-old] .el-button').click()
  await expect(row.first()).toContainText('1,480.000')
  await expect(page.locator('[data-test=records] .el-loading-mask')).toBeHidden()
  await page.mouse.move(5, 890)
  await shot(page, 'activity-correction')

  // 6. results: each approval queued a re-run (job); the one after the correction carries the
  // new total, 1480/1450 of the first (natural gas only: emissions ∝ quantity)
  const me = await (await page.request.get('/api/v1/auth/me')).json()
  const entId = me.roles.find((r: { enterprise_id: number | null }) => r.enterprise_id).enterprise_id
  type Run = { id: number; trigger: string; total_tco2e: string }
  let jobRuns: Run[] = []
  await expect.poll(async () => {
    const page1 = await (await page.request.get('/api/v1/accounting/runs', {
      params: { enterprise_id: entId, period_start: '2025-06-01', period_end: '2025-06-30', status: 'succeeded' },
    })).json()
    jobRuns = (page1.items as Run[]).filter((r) => r.trigger === 'job').sort((a, b) => a.id - b.id)
    return jobRuns.length
  }, { timeout: 30_000 }).toBe(2)
  const [before, after] = jobRuns.map((r) => Number(r.total_tco2e))
  expect(after / before).toBeCloseTo(1480 / 1450, 6)
  await page.goto('/accounting-results')
  await pickMonth(page, MONTH)
  const total = page.locator('[data-test=card-total] .value')
  await expect(total).toHaveText(after.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }))
  const hist = page.locator('[data-test=run-history] .el-table__body-wrapper .el-table__row')
  await expect(hist).toHaveCount(2)
  await expect(hist.first()).toContainText('审批后自动')
  await expect(hist.first().locator('[data-test=delta]')).toHaveText(`+${(after - before).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`)
  await expect(page.locator('.el-message')).toHaveCount(0, { timeout: 10_000 })
  await page.waitForTimeout(800) // chart animation
  await shot(page, 'accounting-rerun')
})

test('park administrator runs the park and downloads the park report; an enterprise user cannot see it', async ({ page }) => {
  test.setTimeout(180_000)
  await login(page, 'park.admin', 'Demo#2026park')
  // the CHP and the methanol plant of the demo park, accounted on their documents for June
  const docs = JSON.parse(readFileSync(join(FIXTURES, 'park-2025-06.json'), 'utf8'))
  const ents = await (await page.request.get('/api/v1/enterprises', { params: { size: 500 } })).json()
  const token = await csrf(page)
  for (const code of ['NT-CHP', 'JN-MEOH']) {
    const ent = ents.items.find((e: { code: string }) => e.code === code)
    const r = await page.request.post('/api/v1/accounting/runs', {
      headers: { 'X-CSRF-Token': token },
      data: { enterprise_id: ent.id, period_start: '2025-06-01', period_end: '2025-06-30', document: docs[code] },
    })
    expect(r.status(), await r.text()).toBe(201)
  }

  await page.goto('/park-accounting')
  await expect(page.getByRole('heading', { name: '园区核算' })).toBeVisible()
  await pickMonth(page, MONTH)
  await expect(page.locator('[data-test=refresh] input')).toBeChecked()
  await page.locator('[data-test=run-park]').click()
  const total = page.locator('[data-test=park-total] .value')
  await expect(total).toBeVisible()
  // the card shows the stored park total, with thousands separators
  const runs = await (await page.request.get('/api/v1/accounting/runs', { params: { level: 'park', period_start: '2025-06-01', period_end: '2025-06-30' } })).json()
  const run = runs.items.sort((a: { id: number }, b: { id: number }) => b.id - a.id)[0]
  const exact = Number(run.total_tco2e)
  expect(Number((await total.innerText()).replace(/,/g, ''))).toBeCloseTo(exact, 2)
  await expect(total).toContainText(',')
  const detail = await (await page.request.get(`/api/v1/accounting/runs/${run.id}`)).json()
  const res = detail.result
  // Σ enterprise totals − internal supply + export adjustment = park total
  expect(Number(res.sum_of_enterprise_totals_tco2e) - Number(res.internal_supply_tco2e) + Number(res.export_adjustment_tco2e)).toBeCloseTo(exact, 6)
  const supplies = page.locator('[data-test=internal-supplies] .el-table__body-wrapper .el-table__row')
  await expect(supplies).toHaveCount(res.internal_supplies.length)
  await expect(supplies.first()).toContainText('园区热电有限公司')
  await expect(supplies.first()).toContainText('江能甲醇有限公司')
  await expect(supplies.first()).toContainText('供方机组实际因子')
  await expect(page.locator('[data-test=boundary]')).toContainText('电力调出（送园区外电网）')
  await expect(page.locator('[data-test=boundary]')).toContainText('50,000.00 MWh')
  await expect(page.locator('[data-test=grid-factor]')).toContainText('电网')
  await expect(page.locator('[data-test=grid-factor]')).not.toContainText('grid.')
  await expect(page.locator('[data-test=reconcile] tr.sum')).toContainText((await total.innerText()).trim())
  const entRows = page.locator('[data-test=enterprises] .el-table__body-wrapper .el-table__row')
  await expect(entRows).toHaveCount(res.enterprises.length)
  await expect(page.locator('[data-test=enterprises]')).toContainText('4412 热电联产')
  await expect(page.locator('[data-test=chart-enterprises] canvas')).toBeVisible()
  await expect(page.locator('[data-test=chart-industries] canvas')).toBeVisible()
  // the whole page in one picture: the layout scrolls inside its main area, so grow the window
  await page.setViewportSize({ width: 1440, height: 1600 })
  await page.mouse.move(5, 890)
  await expect(page.locator('.el-message')).toHaveCount(0, { timeout: 10_000 })
  await page.waitForTimeout(1000) // charts resize and animate
  await shot(page, 'accounting-park-run')
  await page.setViewportSize({ width: 1440, height: 900 })

  for (const ext of ['docx', 'xlsx']) {
    const dl = page.waitForEvent('download')
    await page.locator('[data-test=report-menu]').click()
    await page.locator(`.el-dropdown-menu [data-test=report-${ext}]`).click()
    const file = await dl
    expect(file.suggestedFilename()).toMatch(new RegExp(`园区温室气体排放报告\\.${ext}$`))
    expect(readFileSync(await file.path()).subarray(0, 2).toString()).toBe('PK') // an OOXML zip
  }
  await logout(page)

  // the enterprise user has no park menu, no park page and no park runs through the API
  await login(page, 'ent.user', 'Demo#2026ent')
  await expect(page.locator('.el-aside')).not.toContainText('园区核算')
  await page.goto('/park-accounting')
  await expect(page).not.toHaveURL(/park-accounting/)
  const own = await (await page.request.get('/api/v1/accounting/runs', { params: { level: 'park' } })).json()
  expect(own.total).toBe(0)
  expect((await page.request.get(`/api/v1/accounting/runs/${run.id}/report.docx`)).status()).toBe(404)
})
