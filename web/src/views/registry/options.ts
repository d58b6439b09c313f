/** Select options from the reference data and from other registry resources. */
import { reactive } from 'vue'
import { referenceApi, resourceApi, type ResourceName } from '@/api/registry'
import { i18n } from '@/i18n'
import type { FormModel, Option } from '@/components/resource'

const lang = () => i18n.global.locale.value

async function named(name: ResourceName, query: Record<string, unknown> = {}): Promise<Option[]> {
  const page = await resourceApi<{ id: number; code: string; name: string }>(name).list({ size: 500, sort: 'name', ...(query as Record<string, string>) })
  return page.items.map((r) => ({ value: r.id, label: `${r.name}（${r.code}）` }))
}

export const options = {
  parks: () => named('parks'),
  enterprises: () => named('enterprises'),
  facilities: (form: FormModel) => (form.enterprise_id ? named('facilities', { enterprise_id: form.enterprise_id }) : Promise.resolve([])),
  processes: (form: FormModel) => (form.enterprise_id ? named('processes', { enterprise_id: form.enterprise_id }) : Promise.resolve([])),
  devices: async (form: FormModel): Promise<Option[]> => {
    if (!form.enterprise_id) return []
    const page = await resourceApi<{ id: number; code: string; name: string }>('devices').list({ size: 500, sort: 'code', enterprise_id: form.enterprise_id as number })
    return page.items.map((r) => ({ value: r.id, label: `${r.code} ${r.name}` }))
  },
  industries: async (): Promise<Option[]> =>
    (await referenceApi.industries(lang())).filter((i) => i.level === 'class').map((i) => ({ value: i.code, label: `${i.code} ${i.name}` })),
  provinces: async (): Promise<Option[]> => (await referenceApi.provinces(lang())).map((p) => ({ value: p.code, label: p.name })),
  gridRegions: async (): Promise<Option[]> => {
    const seen = new Set((await referenceApi.provinces(lang())).map((p) => p.grid_region))
    return [...seen].map((g) => ({ value: g, label: i18n.global.t(`enums.gridRegion.${g}`) }))
  },
  deviceTypes: async (): Promise<Option[]> => (await referenceApi.deviceTypes(lang())).map((d) => ({ value: d.code, label: d.name })),
  media: async (): Promise<Option[]> => (await referenceApi.media(lang())).map((m) => ({ value: m.code, label: m.name })),
  units: async (): Promise<Option[]> => (await referenceApi.units(lang())).map((u) => ({ value: u.code, label: `${u.code}（${u.name}）` })),
  enumOf: (prefix: string, values: string[]) => async (): Promise<Option[]> =>
    values.map((v) => ({ value: v, label: i18n.global.t(`${prefix}.${v}`) })),
}

/** Default unit / interval when a medium or device type is picked and the field is still empty. */
export async function defaultUnitFor(medium: string): Promise<string | undefined> {
  return (await referenceApi.media(lang())).find((m) => m.code === medium)?.default_unit
}
export async function deviceTypeDefaults(code: string) {
  return (await referenceApi.deviceTypes(lang())).find((d) => d.code === code)
}

/** Enterprise names by id for records that carry only enterprise_id (alarms, O&M, QC). */
const enterpriseNames = reactive(new Map<number, string>())
let namesLoading: Promise<void> | null = null
export function enterpriseName(id: unknown): string {
  if (!namesLoading) {
    namesLoading = resourceApi<{ id: number; name: string }>('enterprises')
      .list({ size: 500 })
      .then((p) => p.items.forEach((e) => enterpriseNames.set(e.id, e.name)))
      .catch(() => {
        namesLoading = null
      })
  }
  return enterpriseNames.get(Number(id)) ?? String(id ?? '')
}

export async function meteringPointOptions(form: FormModel): Promise<Option[]> {
  if (!form.enterprise_id) return []
  const page = await resourceApi<{ id: number; code: string; name: string }>('metering-points').list({ size: 500, sort: 'code', enterprise_id: form.enterprise_id as number })
  return page.items.map((r) => ({ value: r.id, label: `${r.code} ${r.name}` }))
}
