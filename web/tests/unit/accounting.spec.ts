import { describe, expect, it } from 'vitest'
import { isUnverified } from '@/api/accounting'
import { cellReason, checkAttachment, fileSize, shortHash } from '@/api/activity'
import { fmt, fmtDelta, monthBounds, periodBounds } from '@/views/accounting/shared'

describe('accounting view helpers', () => {
  it('gives the first and last day of a month, leap years included', () => {
    expect(monthBounds('2026-10')).toEqual(['2026-10-01', '2026-10-31'])
    expect(monthBounds('2024-02')).toEqual(['2024-02-01', '2024-02-29'])
    expect(monthBounds('2023-02')).toEqual(['2023-02-01', '2023-02-28'])
  })
  it('flags memory/unverified tiers only', () => {
    expect(isUnverified('memory_unverified')).toBe(true)
    expect(isUnverified('verified')).toBe(false)
    expect(isUnverified('cited')).toBe(false)
    expect(isUnverified(null)).toBe(false)
  })
  it('keeps only the reason of an import cell error', () => {
    expect(cellReason('工作表 化石燃料燃烧 第 3 行 数量 列：应为数字')).toBe('应为数字')
    expect(cellReason('sheet Fuel, row 3, column Quantity: not a number')).toBe('not a number')
    expect(cellReason('plain')).toBe('plain')
  })
  it('formats decimals and blanks', () => {
    expect(fmt(null)).toBe('—')
    expect(fmt('2475.5', 1)).toBe('2,475.5')
    expect(fmt(-0)).toBe('0.00')
  })
  it('gives the bounds of a month, a quarter and a year', () => {
    expect(periodBounds('month', '2025-06')).toEqual(['2025-06-01', '2025-06-30'])
    expect(periodBounds('quarter', '2025-Q1')).toEqual(['2025-01-01', '2025-03-31'])
    expect(periodBounds('quarter', '2024-Q4')).toEqual(['2024-10-01', '2024-12-31'])
    expect(periodBounds('quarter', '2025-Q2')).toEqual(['2025-04-01', '2025-06-30'])
    expect(periodBounds('year', '2025')).toEqual(['2025-01-01', '2025-12-31'])
  })
  it('signs a difference with thousands separators', () => {
    expect(fmtDelta(1234.5)).toBe('+1,234.50')
    expect(fmtDelta(-12)).toBe('−12.00')
    expect(fmtDelta(0)).toBe('0.00')
  })
  it('checks an evidence file against the server limits before uploading', () => {
    const limits = { max_bytes: 1024, extensions: ['.pdf', '.png'] }
    expect(checkAttachment({ name: '结算单.PDF', size: 10 }, limits)).toBeNull()
    expect(checkAttachment({ name: 'run.exe', size: 10 }, limits)).toBe('type')
    expect(checkAttachment({ name: 'noext', size: 10 }, limits)).toBe('type')
    expect(checkAttachment({ name: 'a.png', size: 0 }, limits)).toBe('empty')
    expect(checkAttachment({ name: 'a.png', size: 1025 }, limits)).toBe('size')
    expect(checkAttachment({ name: 'a.exe', size: 1 }, null)).toBeNull()
  })
  it('shows sizes and short hashes', () => {
    expect(fileSize(512)).toBe('512 B')
    expect(fileSize(2048)).toBe('2 KB')
    expect(fileSize(20 * 1024 * 1024)).toBe('20 MB')
    expect(shortHash('a'.repeat(64))).toBe('aaaaaaaaaaaa')
  })
})
