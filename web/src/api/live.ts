import { api, API_BASE, buildQuery, download, type Query } from './client'

/** One point's newest value, as `/point-latest` and its event stream send it. */
export interface LatestValue {
  point_id: number
  point_code: string
  unit: string
  enterprise_id: number
  ts: string
  value: string
  quality: string
  seq: number
}

export interface LatestAnswer {
  items: LatestValue[]
  seq: number
  full?: boolean
}

export type Granularity = 'raw' | 'h' | 'd' | 'm'

export interface HistoryRow {
  ts: string
  value?: string
  quality?: string
  count?: number
  mean?: string | null
  min?: string | null
  max?: string | null
  last?: string | null
  consumption?: string | null
}

export interface HistoryAnswer {
  point_id: number
  point_code: string
  unit: string
  granularity: Granularity
  items: HistoryRow[]
}

export type ReportGrain = 'day' | 'month' | 'year'

export interface ReportColumn {
  point_id: number
  point_code: string
  point_name: string
  medium: string
  unit: string
  measurement: string
  statistic: 'mean' | 'consumption'
}

export interface ReportCems {
  unit_id: number
  code: string
  name: string
  co2_t: (string | null)[]
  total_t: string
  hours: { valid: number; substituted: number; invalid: number }
}

export interface MonitoringReport {
  enterprise_id: number | null
  enterprise_name: string
  grain: ReportGrain
  period: string
  time_zone: string
  columns: ReportColumn[]
  rows: { label: string; start: string; values: (string | null)[] }[]
  summary: Record<'total' | 'mean' | 'min' | 'max', (string | null)[]>
  truncated: boolean
  cems: ReportCems[]
}

export const liveApi = {
  latest: (q: Query) => api.get<LatestAnswer>('/point-latest', q),
  streamUrl: (q: Query) => `${API_BASE}/point-latest/stream${buildQuery(q)}`,
  history: (pointId: number, q: Query) => api.get<HistoryAnswer>(`/metering-points/${pointId}/readings`, q),
  report: (q: Query) => api.get<MonitoringReport>('/monitoring-report', q),
  exportReport: (q: Query) => download('/monitoring-report/export', q, 'monitoring-report.xlsx'),
}

/** Rollup grain for a time range: raw readings for a few hours, then hour, day, month buckets
 * (the server answers at most 5,000 rows). */
export function granularityFor(start: Date, end: Date): Granularity {
  const hours = (end.getTime() - start.getTime()) / 3_600_000
  if (hours <= 6) return 'raw'
  if (hours <= 45 * 24) return 'h'
  if (hours <= 3 * 366 * 24) return 'd'
  return 'm'
}
