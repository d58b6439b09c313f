import { describe, expect, it } from 'vitest'
import { isUnverified } from '@/api/accounting'
import { cellReason } from '@/api/activity'
import { fmt, monthBounds } from '@/views/accounting/shared'

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
  })
})
