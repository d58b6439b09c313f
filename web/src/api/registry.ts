import { api, download, type Query } from './client'
import type { DeviceType, Industry, Medium, Overview, Page, Province, Unit } from './types'

/** The seven registry resources share one route shape (docs/api.md § Registry). */
export type ResourceName =
  | 'parks'
  | 'enterprises'
  | 'facilities'
  | 'processes'
  | 'products'
  | 'devices'
  | 'metering-points'

export function resourceApi<T>(name: ResourceName) {
  const base = `/${name}`
  return {
    list: (query: Query) => api.get<Page<T>>(base, query),
    get: (id: number) => api.get<T>(`${base}/${id}`),
    create: (body: Record<string, unknown>) => api.post<T>(base, body),
    update: (id: number, body: Record<string, unknown>) => api.patch<T>(`${base}/${id}`, body),
    remove: (id: number) => api.del(`${base}/${id}`),
    exportXlsx: (query: Query) => download(`${base}/export`, query, `${name}.xlsx`),
  }
}

export const overviewApi = {
  get: (park_id?: number) => api.get<Overview>('/overview', { park_id }),
}

const cache = new Map<string, Promise<unknown>>()

function cached<T>(key: string, loader: () => Promise<T>): Promise<T> {
  if (!cache.has(key)) {
    const p = loader().catch((e) => {
      cache.delete(key)
      throw e
    })
    cache.set(key, p)
  }
  return cache.get(key) as Promise<T>
}

/** Reference data, cached per UI language for the session. */
export const referenceApi = {
  industries: (lang: string) => cached(`ind:${lang}`, () => api.get<Industry[]>('/reference/industries')),
  provinces: (lang: string) => cached(`prov:${lang}`, () => api.get<Province[]>('/reference/provinces')),
  deviceTypes: (lang: string) => cached(`dt:${lang}`, () => api.get<DeviceType[]>('/reference/device-types')),
  media: (lang: string) => cached(`med:${lang}`, () => api.get<Medium[]>('/reference/media')),
  units: (lang: string) => cached(`unit:${lang}`, () => api.get<Unit[]>('/reference/units')),
  clear: () => cache.clear(),
}
