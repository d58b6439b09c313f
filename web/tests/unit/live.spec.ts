import { describe, expect, it } from 'vitest'
import { granularityFor, type LatestValue } from '@/api/live'
import { mergeLatest, sparkPoints, SPARK_LENGTH, type LiveTile } from '@/composables/useLiveValues'

const item = (point_id: number, ts: string, value: string, seq = 1): LatestValue => ({
  point_id, point_code: `P${point_id}`, unit: 't/h', enterprise_id: 1, ts, value, quality: 'N', seq,
})

describe('mergeLatest', () => {
  it('adds new points and appends moved values to the sparkline', () => {
    const tiles = new Map<number, LiveTile>()
    expect(mergeLatest(tiles, { items: [item(1, '2026-11-24T10:00:00Z', '10.5')], seq: 1 }, 1000)).toBe(1)
    expect(mergeLatest(tiles, { items: [item(1, '2026-11-24T10:00:05Z', '11.0', 2)], seq: 2 }, 2000)).toBe(1)
    const t = tiles.get(1)!
    expect(t.value).toBe('11.0')
    expect(t.spark).toEqual([10.5, 11])
    expect(t.changedAt).toBe(2000)
  })

  it('ignores a full refresh that re-sends an older or equal value', () => {
    const tiles = new Map<number, LiveTile>()
    mergeLatest(tiles, { items: [item(1, '2026-11-24T10:00:05Z', '11.0', 2)], seq: 2 }, 1000)
    const moved = mergeLatest(tiles, { items: [item(1, '2026-11-24T10:00:00Z', '10.5', 1), item(1, '2026-11-24T10:00:05Z', '11.0', 2)], seq: 2, full: true }, 5000)
    expect(moved).toBe(0)
    expect(tiles.get(1)!.value).toBe('11.0')
    expect(tiles.get(1)!.spark).toEqual([11])
    expect(tiles.get(1)!.receivedAt).toBe(5000)
    expect(tiles.get(1)!.changedAt).toBe(1000)
  })

  it('keeps the sparkline bounded', () => {
    const tiles = new Map<number, LiveTile>()
    for (let i = 0; i < SPARK_LENGTH + 15; i++) {
      const ts = new Date(Date.UTC(2026, 10, 24, 10, 0, i)).toISOString()
      mergeLatest(tiles, { items: [item(7, ts, String(i))], seq: i + 1 }, i)
    }
    const spark = tiles.get(7)!.spark
    expect(spark.length).toBe(SPARK_LENGTH)
    expect(spark[SPARK_LENGTH - 1]).toBe(SPARK_LENGTH + 14)
  })
})

describe('sparkPoints', () => {
  it('spans the box from the lowest to the highest value', () => {
    const pts = sparkPoints([0, 5, 10], 100, 22).split(' ').map((p) => p.split(',').map(Number))
    expect(pts.map((p) => p[0])).toEqual([0, 50, 100])
    expect(pts[0][1]).toBeCloseTo(21)
    expect(pts[2][1]).toBeCloseTo(1)
  })
  it('draws nothing for fewer than two values', () => {
    expect(sparkPoints([3])).toBe('')
  })
})

describe('granularityFor', () => {
  const at = (h: number) => [new Date(0), new Date(h * 3_600_000)] as const
  it('follows the range', () => {
    expect(granularityFor(...at(1))).toBe('raw')
    expect(granularityFor(...at(24))).toBe('h')
    expect(granularityFor(...at(24 * 365))).toBe('d')
    expect(granularityFor(...at(24 * 366 * 5))).toBe('m')
  })
})
