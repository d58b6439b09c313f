/** The accounting runs of one exact period (an enterprise's or the park's), newest successful
 *  one opened: shared by 核算结果 and 园区核算. */
import { ref } from 'vue'
import { accountingApi, type AccountingRun } from '@/api/accounting'
import type { Query } from '@/api/client'
import { showProblem } from '@/composables/useServerErrors'

export interface PeriodRunsOptions {
  /** the list query (owner and level), or null while the owner is not chosen */
  query: () => Query | null
  /** the period's [start, end] as the API writes them */
  period: () => [string, string]
  open: (id: number) => Promise<void>
  clear: () => void
}

export function usePeriodRuns(opts: PeriodRunsOptions) {
  const runs = ref<AccountingRun[]>([])
  const loading = ref(false)

  async function loadRuns(): Promise<void> {
    const q = opts.query()
    if (!q) return
    loading.value = true
    try {
      const [start, end] = opts.period()
      const page = await accountingApi.runs({ ...q, period_start: start, period_end: end, size: 50 })
      runs.value = page.items.filter((r) => r.period_start === start && r.period_end === end)
      const latest = runs.value.filter((r) => r.status === 'succeeded').sort((a, b) => b.id - a.id)[0]
      if (latest) await opts.open(latest.id)
      else opts.clear()
    } catch (e) {
      showProblem(e)
    } finally {
      loading.value = false
    }
  }

  return { runs, loading, loadRuns }
}
