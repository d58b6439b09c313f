/** HJ 212 data loggers (数采仪) as a ResourcePage configuration. */
import type { ResourceConfig, RowAction } from '@/components/resource'
import { collectionApi } from '@/api/collection'
import { i18n } from '@/i18n'
import { enterpriseName, options } from '@/views/registry/options'

export const ST_CODES = ['31', '32', '51', '52', '21', '22', '24', '27']
export const MIN_INTERVALS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30]
export const DATA_KINDS = [2011, 2051, 2061, 2031]
export const SUFFIXES: Record<number, string[]> = {
  2011: ['Rtd', 'ZsRtd'],
  2051: ['Avg', 'Min', 'Max', 'Cou', 'ZsAvg', 'ZsMin', 'ZsMax'],
  2061: ['Avg', 'Min', 'Max', 'Cou', 'ZsAvg', 'ZsMin', 'ZsMax'],
  2031: ['Avg', 'Min', 'Max', 'Cou', 'ZsAvg', 'ZsMin', 'ZsMax'],
}

const minIntervalOptions = async () => MIN_INTERVALS.map((m) => ({ value: m, label: String(m) }))

export function hj212Devices(rowActions: RowAction[]): ResourceConfig {
  return {
    name: 'hj212-devices',
    title: 'collection.nav.hj212',
    searchPlaceholder: 'collection.searchMn',
    readPerm: 'hj212.device:read',
    writePerm: 'hj212.device:write',
    api: { list: collectionApi.devices, create: collectionApi.createDevice, update: collectionApi.updateDevice, remove: collectionApi.deleteDevice },
    actionWidth: 270,
    rowActions,
    rowLabel: (r) => `${r.name}（MN ${r.mn}）`,
    // the access password is changed through its own action: an edit never sends it
    updatable: ['mn', 'allow_nonstandard_mn', 'name', 'st', 'rtd_interval_seconds', 'min_interval_minutes', 'timezone', 'gap_fill', 'max_gap_hours', 'is_active'],
    columns: [
      { prop: 'mn', label: 'collection.mn', width: 222 },
      { prop: 'name', label: 'collection.deviceName', minWidth: 120 },
      { prop: 'enterprise_id', label: 'fields.enterprise', minWidth: 130, formatter: (r) => enterpriseName(r.enterprise_id) },
      { prop: 'status', label: 'collection.online', kind: 'tag', enumKey: 'collection.deviceStatus', width: 70, tagType: (r) => (r.status === 'online' ? 'success' : r.status === 'disabled' ? 'warning' : 'info') },
      { prop: 'last_seen_at', label: 'collection.lastSeen', kind: 'datetime', width: 140 },
      { prop: 'rtd_interval_seconds', label: 'collection.intervals', width: 120, formatter: (r) => i18n.global.t('collection.intervalText', { rtd: r.rtd_interval_seconds, min: r.min_interval_minutes }) },
      { prop: 'factor_count', label: 'collection.factorCount', width: 64 },
    ],
    filters: [{ prop: 'enterprise_id', label: 'fields.enterprise', type: 'select', options: options.enterprises }],
    fields: [
      { prop: 'enterprise_id', label: 'fields.enterprise', type: 'select', required: true, options: options.enterprises, createOnly: true },
      { prop: 'name', label: 'collection.deviceName', type: 'text', required: true },
      { prop: 'mn', label: 'collection.mn', type: 'text', required: true, placeholder: '010000A8900016F000169DC0', span: 24 },
      { prop: 'allow_nonstandard_mn', label: 'collection.allowNonstandardMn', type: 'switch' },
      { prop: 'st', label: 'collection.st', type: 'select', required: true, options: options.enumOf('collection.stCodes', ST_CODES) },
      { prop: 'password', label: 'collection.password', type: 'text', createOnly: true, placeholder: '123456' },
      { prop: 'rtd_interval_seconds', label: 'collection.rtdInterval', type: 'number', required: true, min: 30, max: 3600, precision: 0 },
      { prop: 'min_interval_minutes', label: 'collection.minInterval', type: 'select', required: true, options: minIntervalOptions, filterable: false },
      { prop: 'timezone', label: 'collection.timezone', type: 'text', required: true },
      { prop: 'gap_fill', label: 'collection.gapFill', type: 'switch' },
      { prop: 'max_gap_hours', label: 'collection.maxGapHours', type: 'number', min: 1, max: 8760, precision: 0, visible: (f) => !!f.gap_fill },
      { prop: 'is_active', label: 'collection.enabled', type: 'switch' },
    ],
    defaults: () => ({ st: '31', rtd_interval_seconds: 30, min_interval_minutes: 10, timezone: 'Asia/Shanghai', gap_fill: true, max_gap_hours: 168, is_active: true, allow_nonstandard_mn: false }),
  }
}
