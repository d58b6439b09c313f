import { onBeforeUnmount, reactive, ref } from 'vue'
import { liveApi, type LatestAnswer, type LatestValue } from '@/api/live'

/** What a tile shows for one point: its newest value, when it moved, and the values seen since
 * the page opened (for the sparkline). */
export interface LiveTile extends LatestValue {
  receivedAt: number
  changedAt: number
  spark: number[]
}

export const SPARK_LENGTH = 60

/**
 * Fold one answer of the stream into the tiles. A periodic full refresh re-sends values already
 * shown: an older or equal timestamp changes nothing, so the sparkline is not padded with
 * repeats. Returns how many tiles moved.
 */
export function mergeLatest(tiles: Map<number, LiveTile>, answer: LatestAnswer, now: number): number {
  let moved = 0
  for (const item of answer.items) {
    const old = tiles.get(item.point_id)
    if (old && Date.parse(item.ts) <= Date.parse(old.ts)) {
      old.receivedAt = now
      continue
    }
    const spark = old ? old.spark : []
    const v = Number(item.value)
    if (Number.isFinite(v)) {
      spark.push(v)
      if (spark.length > SPARK_LENGTH) spark.splice(0, spark.length - SPARK_LENGTH)
    }
    tiles.set(item.point_id, { ...item, receivedAt: now, changedAt: now, spark })
    moved += 1
  }
  return moved
}

/** SVG polyline points for a sparkline of `values` in a w×h box. */
export function sparkPoints(values: number[], w = 120, h = 28): string {
  if (values.length < 2) return ''
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  const span = hi - lo || 1
  const step = w / (values.length - 1)
  return values.map((v, i) => `${(i * step).toFixed(1)},${(h - ((v - lo) / span) * (h - 2) - 1).toFixed(1)}`).join(' ')
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline'

/**
 * Live values over server-sent events (`/point-latest/stream`). The browser's EventSource
 * reconnects by itself after a network drop; when the server refuses (session ended) the source
 * closes, and this retries with growing pauses, resuming from the last `seq` seen.
 */
export function useLiveValues(scope: () => { enterprise_id?: number }) {
  const tiles = reactive(new Map<number, LiveTile>())
  const status = ref<LiveStatus>('connecting')
  const lastEventAt = ref<number | null>(null)
  const lastLatencyMs = ref<number | null>(null)
  let source: EventSource | null = null
  let seq = 0
  let retry: ReturnType<typeof setTimeout> | null = null
  let failures = 0

  function open() {
    close()
    status.value = seq ? 'reconnecting' : 'connecting'
    const es = new EventSource(liveApi.streamUrl({ ...scope(), since: seq || undefined }), { withCredentials: true })
    source = es
    es.addEventListener('latest', (e) => {
      const answer = JSON.parse((e as MessageEvent<string>).data) as LatestAnswer
      const now = Date.now()
      mergeLatest(tiles, answer, now)
      seq = Math.max(seq, answer.seq)
      lastEventAt.value = now
      const newest = answer.items.reduce((m, i) => Math.max(m, Date.parse(i.ts)), 0)
      if (newest) lastLatencyMs.value = now - newest
      status.value = 'live'
      failures = 0
    })
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        status.value = 'offline'
        failures += 1
        retry = setTimeout(open, Math.min(30_000, 2_000 * 2 ** (failures - 1)))
      } else {
        status.value = 'reconnecting'
      }
    }
  }

  function close() {
    if (retry) clearTimeout(retry)
    retry = null
    source?.close()
    source = null
  }

  /** New scope (another enterprise): forget the tiles and start over. */
  function restart() {
    tiles.clear()
    seq = 0
    open()
  }

  onBeforeUnmount(close)
  return { tiles, status, lastEventAt, lastLatencyMs, open, close, restart }
}
