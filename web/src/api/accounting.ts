import { api, download, type Query } from './client'
import type { Page } from './types'

/** Accounting runs (核算) and their results, provenance and reports. */
export interface AccountingRun {
  id: number
  park_id: number
  enterprise_id: number | null
  level: 'enterprise' | 'park'
  period_start: string
  period_end: string
  period_kind: string
  methodology: string
  status: 'succeeded' | 'failed'
  trigger: string
  rerun_of: number | null
  error: string | null
  total_tco2e: string | null
  created_by: string
  created_at: string
  parameter_count: number
}

export interface ResultLine {
  id: string
  source: string
  scope: string
  gas: string
  gas_mass_t: string
  emissions_tco2e: string
  formula_id: string
  data_quality: string
  facility: string | null
  labels: Record<string, string>
  parameters?: { key: string; tier: string; version: string; methodology: string }[]
}

export interface RunDetail extends AccountingRun {
  result: { lines?: ResultLine[]; totals?: Record<string, string> } | null
  document?: Record<string, unknown>
  parameter_refs?: { key: string; tier: string; version: string; methodology: string }[]
}

export interface BreakdownRow {
  key: string | number
  name?: string
  emissions_tco2e: string
  // park runs (by=enterprise / by=industry_group)
  enterprise_id?: number | null
  run_id?: number | null
  industry_group?: string
  industry_group_name?: string
  direct_tco2e?: string
  indirect_tco2e?: string
  total_tco2e?: string
  internal_supply_tco2e?: string
  energy_tce?: string | null
  enterprise_count?: number
  share_of_park_direct_pct?: string | null
}

export interface InternalSupply {
  buyer: string
  supplier: string
  carrier: 'electricity' | 'heat'
  amount: string
  unit: string
  buyer_tco2: string
  factor: string
  factor_source: 'supplier' | 'default'
}

export interface BoundaryExchange {
  electricity_import_mwh: string
  electricity_export_mwh: string
  heat_import_gj: string
  heat_export_gj: string
  electricity_factor_tco2_per_mwh: string
  electricity_factor_key: string
  heat_factor_tco2_per_gj: string
  import_tco2: string
  export_tco2: string
  net_tco2: string
}

/** The stored result of a park run (engine ParkResult as JSON; decimals as strings). */
export interface ParkResult {
  park_name: string
  direct_tco2e: string
  total_tco2e: string
  total_imports_only_tco2e: string
  biomass_tco2: string
  energy_tce: string
  energy_excluding_feedstock_tce: string
  boundary: BoundaryExchange
  sum_of_enterprise_totals_tco2e: string
  internal_supply_tco2e: string
  export_adjustment_tco2e: string
  internal_supplies: InternalSupply[]
  value_added_1e4_cny: string | null
  intensity_tco2e_per_1e4_cny: string | null
  parameters_used: { key: string; tier: string }[]
  warnings: string[]
}

export interface RefreshedEnterprise {
  enterprise_id: number
  run_id: number | null
  status: string
  error: string | null
}

export interface ProvenanceParam {
  methodology: string
  key: string
  version: string
  value: string
  unit: string
  tier: string
  tier_label_zh: string
  source_document: string
  clause: string
  scope: string | null
}

export interface Provenance {
  line: Record<string, unknown>
  formula_id: string | null
  formula: string | null
  inputs: Record<string, string>
  data_quality: string | null
  parameters: ProvenanceParam[]
  entered_by: string
  computed_at: string
}

export const accountingApi = {
  runs: (q: Query) => api.get<Page<AccountingRun>>('/accounting/runs', q),
  run: (id: number) => api.get<RunDetail>(`/accounting/runs/${id}`),
  runEnterprise: (enterprise_id: number, period_start: string, period_end: string) =>
    api.post<AccountingRun>('/accounting/runs', { enterprise_id, period_start, period_end }),
  runPark: (park_id: number, period_start: string, period_end: string, refresh_enterprises: boolean) =>
    api.post<AccountingRun>('/accounting/park-runs', { park_id, period_start, period_end, refresh_enterprises }),
  totals: (id: number) => api.get<Record<string, string>>(`/accounting/runs/${id}/totals`),
  breakdown: (id: number, by: string) => api.get<BreakdownRow[]>(`/accounting/runs/${id}/breakdown`, { by }),
  provenance: (id: number, lineId: string) =>
    api.get<Provenance>(`/accounting/runs/${id}/lines/${encodeURIComponent(lineId)}/provenance`),
  report: (id: number, ext: 'docx' | 'xlsx') => download(`/accounting/runs/${id}/report.${ext}`, undefined, `report.${ext}`),
}

/** Provenance tiers the UI flags as 待核实缺省值 (defaults not yet checked against a source). */
export const UNVERIFIED_TIERS = ['memory_unverified', 'memory', 'unverified']

export function isUnverified(tier: string | null | undefined): boolean {
  return !!tier && UNVERIFIED_TIERS.includes(tier)
}
