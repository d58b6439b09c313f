import { api, download, type Query } from './client'
import type { Page } from './types'

/** The versioned factor library (排放因子与参数库). */
export interface FactorParameter {
  id: number
  park_id: number | null
  methodology: string
  key: string
  version: string
  value: string
  unit: string
  valid_from: string | null
  valid_to: string | null
  source_document: string
  clause: string
  tier: string
  tier_label_zh: string
  note: string
  origin: string
  created_at: string
}

export const factorsApi = {
  list: (q: Query) => api.get<Page<FactorParameter>>('/factors', q),
  history: (methodology: string, key: string) =>
    api.get<FactorParameter[]>(`/factors/keys/${encodeURIComponent(methodology)}/${encodeURIComponent(key)}/history`),
  exportXlsx: (q: Query) => download('/factors/export', { ...q, format: 'xlsx' }, 'factors.xlsx'),
}
