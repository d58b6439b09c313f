import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, type Locator, type Page } from '@playwright/test'

export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots')
mkdirSync(SHOTS, { recursive: true })

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

/** Pick an option of an Element Plus select inside a form item or toolbar. */
export async function choose(page: Page, select: Locator, option: string | RegExp): Promise<void> {
  await select.locator('.el-select__wrapper').click()
  const item = page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: option }).first()
  await expect(item).toBeVisible()
  await item.click()
}

export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login')
  await page.locator('input[data-test=username], [data-test=username] input').fill(username)
  await page.locator('input[data-test=password], [data-test=password] input').fill(password)
  await page.locator('[data-test=login-submit]').click()
  await expect(page.locator('.el-aside')).toBeVisible()
}
