/** Monitoring records (alarm rules, O&M records, QC records) as ResourcePage configurations. */
import type { ResourceConfig } from '@/components/resource'
import { monitoringApi } from '@/api/monitoring'
import { enterpriseName, meteringPointOptions, options } from '@/views/registry/options'

const RULE_KINDS = ['threshold_high', 'threshold_low', 'rate_of_change', 'flat_line', 'missing_data', 'cems_invalid', 'calibration_overdue']
const QC_KINDS = ['zero_drift', 'span_drift', 'relative_accuracy', 'flow_accuracy', 'temperature', 'moisture']
const OM_KINDS = ['maintenance', 'filing', 'material', 'personnel']
const entCol = { prop: 'enterprise_id', label: 'fields.enterprise', minWidth: 170, formatter: (r: Record<string, unknown>) => enterpriseName(r.enterprise_id) }
const enterpriseFilter = { prop: 'enterprise_id', label: 'fields.enterprise', type: 'select' as const, options: options.enterprises }
const enterpriseField = { prop: 'enterprise_id', label: 'fields.enterprise', type: 'select' as const, required: true, options: options.enterprises, createOnly: true }

export const alarmRules: ResourceConfig = {
  name: 'alarm-rules',
  title: 'nav.alarmRules',
  searchable: false,
  readPerm: 'monitoring.alarm:read',
  writePerm: 'monitoring.alarm:write',
  api: { list: monitoringApi.rules, create: monitoringApi.createRule, update: monitoringApi.updateRule, remove: monitoringApi.deleteRule },
  columns: [
    { prop: 'name', label: 'monitoring.ruleName', minWidth: 180 },
    entCol,
    { prop: 'kind', label: 'monitoring.ruleKind', kind: 'enum', enumKey: 'monitoring.ruleKinds', minWidth: 120 },
    { prop: 'threshold', label: 'monitoring.threshold', kind: 'decimal', width: 110 },
    { prop: 'window_minutes', label: 'monitoring.windowMinutes', width: 140 },
    { prop: 'severity', label: 'monitoring.severity', kind: 'tag', enumKey: 'monitoring.severities', width: 90, tagType: (r) => (r.severity === 'critical' ? 'danger' : r.severity === 'warning' ? 'warning' : 'info') },
    { prop: 'is_active', label: 'fields.isActive', kind: 'bool', width: 80 },
  ],
  filters: [enterpriseFilter],
  fields: [
    enterpriseField,
    { prop: 'name', label: 'monitoring.ruleName', type: 'text', required: true },
    { prop: 'kind', label: 'monitoring.ruleKind', type: 'select', required: true, options: options.enumOf('monitoring.ruleKinds', RULE_KINDS), createOnly: true },
    { prop: 'point_id', label: 'monitoring.point', type: 'select', required: true, options: meteringPointOptions, dependsOn: 'enterprise_id', createOnly: true, visible: (f) => f.kind !== 'calibration_overdue' },
    { prop: 'device_id', label: 'fields.device', type: 'select', required: true, options: options.devices, dependsOn: 'enterprise_id', createOnly: true, visible: (f) => f.kind === 'calibration_overdue' },
    { prop: 'threshold', label: 'monitoring.threshold', type: 'number', visible: (f) => ['threshold_high', 'threshold_low', 'rate_of_change', 'missing_data'].includes(String(f.kind)), labelFor: (f) => (f.kind === 'missing_data' ? 'monitoring.minCompleteness' : 'monitoring.threshold') },
    { prop: 'window_minutes', label: 'monitoring.windowMinutes', type: 'number', min: 1, max: 10080, precision: 0 },
    { prop: 'min_samples', label: 'monitoring.minSamples', type: 'number', min: 2, max: 1000, precision: 0 },
    { prop: 'severity', label: 'monitoring.severity', type: 'select', required: true, options: options.enumOf('monitoring.severities', ['info', 'warning', 'critical']) },
    { prop: 'is_active', label: 'fields.isActive', type: 'switch' },
  ],
  defaults: () => ({ window_minutes: 60, min_samples: 3, severity: 'warning', is_active: true }),
}

export const omRecords: ResourceConfig = {
  name: 'om-records',
  title: 'nav.omRecords',
  searchable: false,
  readPerm: 'monitoring.om:read',
  writePerm: 'monitoring.om:write',
  api: { list: monitoringApi.om, create: monitoringApi.createOm, update: monitoringApi.updateOm },
  updatable: ['title', 'description', 'ended_at', 'personnel', 'status'],
  columns: [
    { prop: 'title', label: 'monitoring.title', minWidth: 200 },
    entCol,
    { prop: 'kind', label: 'monitoring.omKind', kind: 'enum', enumKey: 'monitoring.omKinds', width: 110 },
    { prop: 'personnel', label: 'monitoring.personnel', minWidth: 110 },
    { prop: 'started_at', label: 'monitoring.startedAt', kind: 'datetime', width: 150 },
    { prop: 'ended_at', label: 'monitoring.endedAt', kind: 'datetime', width: 150 },
    { prop: 'created_by', label: 'monitoring.createdBy', width: 110 },
    { prop: 'status', label: 'common.status', kind: 'tag', enumKey: 'monitoring.omStatus', width: 90, tagType: (r) => (r.status === 'done' ? 'success' : 'warning') },
  ],
  filters: [enterpriseFilter, { prop: 'kind', label: 'monitoring.omKind', type: 'select', options: options.enumOf('monitoring.omKinds', OM_KINDS) }],
  fields: [
    enterpriseField,
    { prop: 'kind', label: 'monitoring.omKind', type: 'select', required: true, options: options.enumOf('monitoring.omKinds', OM_KINDS), createOnly: true },
    { prop: 'title', label: 'monitoring.title', type: 'text', required: true, span: 24 },
    { prop: 'device_id', label: 'fields.device', type: 'select', options: options.devices, dependsOn: 'enterprise_id', createOnly: true, clearable: true },
    { prop: 'point_id', label: 'monitoring.point', type: 'select', options: meteringPointOptions, dependsOn: 'enterprise_id', createOnly: true, clearable: true },
    { prop: 'started_at', label: 'monitoring.startedAt', type: 'datetime', createOnly: true },
    { prop: 'ended_at', label: 'monitoring.endedAt', type: 'datetime' },
    { prop: 'personnel', label: 'monitoring.personnel', type: 'text' },
    { prop: 'status', label: 'common.status', type: 'select', required: true, options: options.enumOf('monitoring.omStatus', ['open', 'done']) },
    { prop: 'description', label: 'fields.description', type: 'textarea', span: 24 },
  ],
  defaults: () => ({ kind: 'maintenance', status: 'open' }),
}

export const qcRecords: ResourceConfig = {
  name: 'qc-records',
  title: 'nav.qcRecords',
  searchable: false,
  readPerm: 'monitoring.qc:read',
  writePerm: 'monitoring.qc:write',
  api: { list: monitoringApi.qc, create: monitoringApi.createQc },
  actionWidth: 140,
  rowActions: [
    { key: 'approve', label: 'monitoring.approve', perm: 'monitoring.qc:review', type: 'success', prompt: true, visible: (r) => r.status === 'submitted', run: (r, c) => monitoringApi.reviewQc(r.id as number, 'approve', c) },
    { key: 'reject', label: 'monitoring.reject', perm: 'monitoring.qc:review', type: 'danger', prompt: true, visible: (r) => r.status === 'submitted', run: (r, c) => monitoringApi.reviewQc(r.id as number, 'reject', c) },
  ],
  columns: [
    { prop: 'performed_at', label: 'monitoring.performedAt', kind: 'datetime', width: 150 },
    entCol,
    { prop: 'kind', label: 'monitoring.qcKind', kind: 'enum', enumKey: 'monitoring.qcKinds', width: 110 },
    { prop: 'status', label: 'common.status', kind: 'tag', enumKey: 'monitoring.qcStatus', width: 90, tagType: (r) => (r.status === 'approved' ? 'success' : r.status === 'rejected' ? 'danger' : 'warning') },
    { prop: 'passed', label: 'monitoring.passed', kind: 'bool', width: 70 },
    { prop: 'result_value', label: 'monitoring.resultValue', kind: 'decimal', width: 80 },
    { prop: 'limit_value', label: 'monitoring.limitValue', kind: 'decimal', width: 80 },
    { prop: 'reference_value', label: 'monitoring.referenceValue', kind: 'decimal', width: 90 },
    { prop: 'measured_value', label: 'monitoring.measuredValue', kind: 'decimal', width: 90 },
    { prop: 'performed_by', label: 'monitoring.performedBy', minWidth: 110 },
  ],
  filters: [enterpriseFilter, { prop: 'status', label: 'common.status', type: 'select', options: options.enumOf('monitoring.qcStatus', ['submitted', 'approved', 'rejected']) }],
  fields: [
    enterpriseField,
    { prop: 'kind', label: 'monitoring.qcKind', type: 'select', required: true, options: options.enumOf('monitoring.qcKinds', QC_KINDS) },
    { prop: 'device_id', label: 'fields.device', type: 'select', options: options.devices, dependsOn: 'enterprise_id', clearable: true },
    { prop: 'point_id', label: 'monitoring.point', type: 'select', options: meteringPointOptions, dependsOn: 'enterprise_id', clearable: true },
    { prop: 'performed_at', label: 'monitoring.performedAt', type: 'datetime', required: true },
    { prop: 'reference_value', label: 'monitoring.referenceValue', type: 'number', required: true, precision: 6 },
    { prop: 'measured_value', label: 'monitoring.measuredValue', type: 'number', required: true, precision: 6 },
    { prop: 'full_scale', label: 'monitoring.fullScale', type: 'number', min: 0, precision: 6 },
    { prop: 'limit_value', label: 'monitoring.limitValue', type: 'number', min: 0, precision: 6 },
    { prop: 'note', label: 'monitoring.note', type: 'textarea', span: 24 },
  ],
  defaults: () => ({}),
}
