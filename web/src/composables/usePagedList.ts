import { reactive, ref } from 'vue'
import type { Query } from '@/api/client'
import type { Page } from '@/api/types'
import { showProblem } from './useServerErrors'

/** A server-paged list: filters, page, size, loading flag; problems shown as toasts. */
export function usePagedList<T>(loader: (q: Query) => Promise<Page<T>>, size = 20) {
  const rows = ref<T[]>([]) as { value: T[] }
  const total = ref(0)
  const loading = ref(false)
  const paging = reactive({ page: 1, size })
  const filters = reactive<Record<string, string | number | boolean | undefined>>({})

  async function load() {
    loading.value = true
    try {
      const res = await loader({ ...filters, page: paging.page, size: paging.size })
      rows.value = res.items
      total.value = res.total
    } catch (e) {
      showProblem(e)
    } finally {
      loading.value = false
    }
  }
  function search() {
    paging.page = 1
    return load()
  }
  return { rows, total, loading, paging, filters, load, search }
}

/** Local date-time text of an ISO UTC timestamp (the browser's zone, e.g. Asia/Shanghai). */
export function dateTime(v: string | null | undefined): string {
  if (!v) return ''
  const d = new Date(v)
  if (Number.isNaN(d.getTime())) return v
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}
