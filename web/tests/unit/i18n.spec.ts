import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import zh from '@/i18n/zh-CN'
import en from '@/i18n/en'

function keys(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : [p]
  })
}

const SRC = join(__dirname, '../../src')

describe('i18n catalogues', () => {
  it('zh-CN and en have exactly the same keys', () => {
    expect(keys(en).sort()).toEqual(keys(zh).sort())
  })

  it('no message is empty', () => {
    for (const cat of [zh, en]) {
      for (const k of keys(cat)) {
        const v = k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], cat)
        expect(String(v).length, k).toBeGreaterThan(0)
      }
    }
  })

  it('views, layouts and components carry no Chinese literals (all text goes through $t)', () => {
    const offenders: string[] = []
    for (const dir of ['views', 'layouts', 'components']) {
      for (const f of files(join(SRC, dir))) {
        const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
        text.split('\n').forEach((line, i) => {
          if (/[\u4e00-\u9fff]/.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`)
        })
      }
    }
    expect(offenders).toEqual([])
  })

  it('every i18n key used in views and configs exists in the catalogue', () => {
    const known = new Set(keys(zh))
    const missing: string[] = []
    for (const f of files(SRC)) {
      if (!/\.(vue|ts)$/.test(f) || f.includes('/i18n/')) continue
      const text = readFileSync(f, 'utf8')
      for (const m of text.matchAll(/(?:\bt\(|label: |title: )'([a-zA-Z]+\.[a-zA-Z.]+)'/g)) {
        if (!known.has(m[1])) missing.push(`${f}: ${m[1]}`)
      }
    }
    expect(missing).toEqual([])
  })
})
