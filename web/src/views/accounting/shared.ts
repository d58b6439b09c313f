import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { resourceApi } from '@/api/registry'
import type { Enterprise } from '@/api/types'
import { auth } from '@/stores/auth'

/** The enterprises the signed-in user may pick (an enterprise user: their own). */
export function useEnterprises() {
  const enterprises = ref<Enterprise[]>([])
  const enterpriseId = ref<number | null>(null)
  async function load(): Promise<void> {
    const page = await resourceApi<Enterprise>('enterprises').list({ size: 500 })
    enterprises.value = page.items
    const own = auth.state.me?.roles.find((r) => r.enterprise_id)?.enterprise_id
    enterpriseId.value = own ?? enterprises.value[0]?.id ?? null
  }
  return { enterprises, enterpriseId, load }
}

export const STATUS_TAG: Record<string, 'info' | 'warning' | 'danger' | 'success'> = {
  draft: 'info',
  submitted: 'warning',
  returned: 'danger',
  approved: 'success',
  superseded: 'info',
}

/** First and last day of a month given as YYYY-MM. */
export function monthBounds(month: string): [string, string] {
  const [y, m] = month.split('-').map(Number)
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return [`${month}-01`, `${month}-${String(last).padStart(2, '0')}`]
}

export function fmt(v: string | number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || v === '') return '—'
  const n = Number(v) + 0 // no "-0.00"
  return Number.isFinite(n) ? n.toLocaleString('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : String(v)
}

export type PeriodKind = 'month' | 'quarter' | 'year'

/** First and last day of a period: month 'YYYY-MM', quarter 'YYYY-Qn', year 'YYYY'. */
export function periodBounds(kind: PeriodKind, value: string): [string, string] {
  if (kind === 'month') return monthBounds(value)
  if (kind === 'year') return [`${value}-01-01`, `${value}-12-31`]
  const [y, q] = value.split('-Q')
  const first = (Number(q) - 1) * 3 + 1
  const start = `${y}-${String(first).padStart(2, '0')}`
  return [monthBounds(start)[0], monthBounds(`${y}-${String(first + 2).padStart(2, '0')}`)[1]]
}

/** Signed difference with thousands separators: '+1,234.50' / '−12.00'. */
export function fmtDelta(v: number, digits = 2): string {
  const s = fmt(Math.abs(v), digits)
  return v > 0 ? `+${s}` : v < 0 ? `−${s}` : s
}

// activity units (activity/kinds.py) → their i18n key (万Nm³, 万元 …)
const UNIT_KEYS: Record<string, string> = { t: 't', '1e4_nm3': 'e4nm3', MWh: 'mwh', GJ: 'gj', '1e4_cny': 'e4cny' }

/** A unit code as the user reads it ('1e4_nm3' → 万Nm³); unknown codes as they are. */
export function useUnitLabel(): (unit: string | null | undefined) => string {
  const { t } = useI18n()
  return (unit) => (unit ? (UNIT_KEYS[unit] ? t(`accounting.units.${UNIT_KEYS[unit]}`) : unit) : '')
}

/** An ISO timestamp from the server (UTC) as local 'YYYY-MM-DD HH:mm' (the user's time zone). */
export function fmtTime(iso: string | null | undefined, withYear = true): string {
  if (!iso) return '—'
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`)
  if (Number.isNaN(d.getTime())) return iso
  const p = (n: number) => String(n).padStart(2, '0')
  const day = `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
  return withYear ? `${d.getFullYear()}-${day}` : day
}
