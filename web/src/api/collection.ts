/** Data collection: HJ 212 data loggers and their factor maps, reading corrections. */
import { api, type Query } from './client'
import type { Page } from './types'

export interface Hj212Device {
  id: number
  park_id: number
  enterprise_id: number
  mn: string
  name: string
  st: string
  has_password: boolean
  timezone: string
  rtd_interval_seconds: number
  min_interval_minutes: number
  gap_fill: boolean
  max_gap_hours: number
  is_active: boolean
  last_seen_at: string | null
  online: boolean
  factor_count: number
}

export interface Hj212Factor {
  id?: number
  cn: number
  factor_code: string
  factor_name?: string | null
  suffix: string | null
  point_id: number | null
  point_code?: string
  point_name?: string
  point_unit?: string
  unit: string | null
  basis: string | null
  state: string | null
  scale: string | null
  allow_nonstandard_code?: boolean
}

export interface FactorCode {
  code: string
  name: string
  unit: string
}

export const collectionApi = {
  devices: (q: Query) => api.get<Page<Hj212Device>>('/hj212-devices', q),
  createDevice: (body: Record<string, unknown>) => api.post<Hj212Device>('/hj212-devices', body),
  updateDevice: (id: number, body: Record<string, unknown>) => api.patch<Hj212Device>(`/hj212-devices/${id}`, body),
  deleteDevice: (id: number) => api.del(`/hj212-devices/${id}`),
  factors: (deviceId: number) => api.get<Hj212Factor[]>(`/hj212-devices/${deviceId}/factors`),
  saveFactors: (deviceId: number, factors: Record<string, unknown>[]) =>
    api.put<Hj212Factor[]>(`/hj212-devices/${deviceId}/factors`, { factors }),
  factorCodes: () => api.get<FactorCode[]>('/reference/hj212-factors'),
}

export interface RawReading {
  ts: string
  value: string
  quality: string
  corrected: boolean
  original_value: string | null
}

export interface ReadingCorrection {
  id: number
  enterprise_id: number
  point_id: number
  point_code: string | null
  point_name: string | null
  unit: string | null
  ts: string
  original_value: string
  old_value: string
  new_value: string
  reason: string
  created_by: string
  created_at: string
}

export const correctionApi = {
  rawReadings: (pointId: number, start: string, end: string) =>
    api.get<{ point_code: string; unit: string; items: RawReading[] }>(`/metering-points/${pointId}/readings`, { start, end, granularity: 'raw' }),
  list: (q: Query) => api.get<Page<ReadingCorrection>>('/reading-corrections', q),
  correct: (body: { point_id: number; ts: string; value: string; reason: string }) => api.post<ReadingCorrection>('/reading-corrections', body),
}

export interface DailyRecord {
  point_id: number
  point_code: string
  point_name: string
  enterprise_id: number
  unit: string
  measurement: string
  day: string
  quantity: string | null
  count: number
  min_value: string | null
  max_value: string | null
  expected_interval_seconds: number | null
  expected: number | null
  completeness_pct: string | null
}

export const dailyApi = {
  list: (q: Query) => api.get<{ items: DailyRecord[]; total: number }>('/daily-records', q),
}
