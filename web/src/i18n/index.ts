import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN'
import en from './en'
import { setApiLocale } from '@/api/client'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]
/** Each language named in itself, as language pickers do. */
export const LOCALE_NAMES: Record<Locale, string> = { 'zh-CN': '简体中文', en: 'English' }
export const LOCALE_KEY = 'dualcarbon.locale'

export function initialLocale(): Locale {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(LOCALE_KEY) : null
  return (LOCALES as readonly string[]).includes(saved ?? '') ? (saved as Locale) : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

setApiLocale(i18n.global.locale.value)

export function setLocale(value: Locale): void {
  i18n.global.locale.value = value
  localStorage.setItem(LOCALE_KEY, value)
  setApiLocale(value)
  document.documentElement.lang = value
}
