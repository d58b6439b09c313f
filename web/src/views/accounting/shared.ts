import { ref } from 'vue'
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
  const n = Number(v)
  return Number.isFinite(n) ? n.toLocaleString('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : String(v)
}
