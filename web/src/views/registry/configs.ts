/** The seven master-data pages, as configurations of ResourcePage (docs/api.md § Registry). */
import type { ColumnDef, FieldDef, FilterDef, ResourceConfig } from '@/components/resource'
import { codeRule, creditCodeRule, emailRule, phoneRule } from './rules'
import { defaultUnitFor, deviceTypeDefaults, options } from './options'

const code: FieldDef = { prop: 'code', label: 'fields.code', type: 'text', required: true, rules: [codeRule] }
const name: FieldDef = { prop: 'name', label: 'fields.name', type: 'text', required: true }
const enterpriseField: FieldDef = { prop: 'enterprise_id', label: 'fields.enterprise', type: 'select', required: true, options: options.enterprises, createOnly: true }
const enterpriseFilter: FilterDef = { prop: 'enterprise_id', label: 'fields.enterprise', type: 'select', options: options.enterprises }
const codeCol: ColumnDef = { prop: 'code', label: 'fields.code', sortKey: 'code', minWidth: 120, fixed: 'left' }
const nameCol: ColumnDef = { prop: 'name', label: 'fields.name', sortKey: 'name', minWidth: 180 }
const entCol: ColumnDef = { prop: 'enterprise_name', label: 'fields.enterprise', sortKey: 'enterprise_id', minWidth: 180 }

export const parks: ResourceConfig = {
  name: 'parks',
  title: 'nav.parks',
  readPerm: 'registry.park:read',
  writePerm: 'registry.park:write',
  columns: [
    codeCol,
    nameCol,
    { prop: 'province_name', label: 'fields.province', sortKey: 'province_code' },
    { prop: 'city', label: 'fields.city' },
    { prop: 'grid_region', label: 'fields.gridRegion', kind: 'enum', enumKey: 'enums.gridRegion', minWidth: 130 },
    { prop: 'area_km2', label: 'fields.areaKm2' },
    { prop: 'enterprise_count', label: 'fields.enterpriseCount', width: 100 },
  ],
  filters: [],
  fields: [
    { ...code, createOnly: true },
    name,
    { prop: 'province_code', label: 'fields.province', type: 'select', required: true, options: options.provinces },
    { prop: 'city', label: 'fields.city', type: 'text' },
    { prop: 'grid_region', label: 'fields.gridRegion', type: 'select', options: options.gridRegions, clearable: true },
    { prop: 'timezone', label: 'fields.timezone', type: 'text', placeholder: 'Asia/Shanghai' },
    { prop: 'area_km2', label: 'fields.areaKm2', type: 'number', min: 0, precision: 3 },
    { prop: 'address', label: 'fields.address', type: 'text', span: 24 },
    { prop: 'description', label: 'fields.description', type: 'textarea', span: 24 },
  ],
  defaults: () => ({ timezone: 'Asia/Shanghai' }),
}

export const enterprises: ResourceConfig = {
  name: 'enterprises',
  title: 'nav.enterprises',
  readPerm: 'registry.enterprise:read',
  writePerm: 'registry.enterprise:write',
  updatePerm: 'registry.enterprise:update',
  columns: [
    codeCol,
    { ...nameCol, minWidth: 200 },
    { prop: 'credit_code', label: 'fields.creditCode', sortKey: 'credit_code', minWidth: 190 },
    { prop: 'industry_name', label: 'fields.industry', sortKey: 'industry_code', minWidth: 170 },
    { prop: 'is_key_emitter', label: 'fields.isKeyEmitter', kind: 'bool', sortKey: 'is_key_emitter', width: 110 },
    { prop: 'has_captive_power_plant', label: 'fields.hasCaptivePowerPlant', kind: 'bool', width: 100 },
    { prop: 'contact_name', label: 'fields.contactName', minWidth: 130 },
    { prop: 'contact_phone', label: 'fields.contactPhone', minWidth: 130 },
    { prop: 'metering_point_count', label: 'fields.meteringPointCount', width: 90 },
    { prop: 'status', label: 'fields.status', kind: 'tag', enumKey: 'enums.status', width: 80, tagType: (r) => (r.status === 'active' ? 'success' : 'info') },
  ],
  filters: [
    { prop: 'industry_code', label: 'fields.industry', type: 'select', options: options.industries },
    { prop: 'is_key_emitter', label: 'fields.isKeyEmitter', type: 'bool' },
    { prop: 'has_captive_power_plant', label: 'fields.hasCaptivePowerPlant', type: 'bool' },
    { prop: 'status', label: 'fields.status', type: 'select', options: options.enumOf('enums.status', ['active', 'closed']) },
  ],
  fields: [
    { prop: 'park_id', label: 'fields.park', type: 'select', required: true, options: options.parks, createOnly: true },
    code,
    { ...name, span: 24 },
    { prop: 'credit_code', label: 'fields.creditCode', type: 'text', required: true, rules: [creditCodeRule], placeholder: '91320600XXXXXXXXXX' },
    { prop: 'industry_code', label: 'fields.industry', type: 'select', required: true, options: options.industries },
    { prop: 'is_key_emitter', label: 'fields.isKeyEmitter', type: 'switch' },
    { prop: 'has_captive_power_plant', label: 'fields.hasCaptivePowerPlant', type: 'switch' },
    { prop: 'legal_representative', label: 'fields.legalRepresentative', type: 'text' },
    { prop: 'contact_name', label: 'fields.contactName', type: 'text' },
    { prop: 'contact_phone', label: 'fields.contactPhone', type: 'text', rules: [phoneRule] },
    { prop: 'contact_email', label: 'fields.contactEmail', type: 'text', rules: [emailRule] },
    { prop: 'address', label: 'fields.address', type: 'text', span: 24 },
    { prop: 'status', label: 'fields.status', type: 'select', options: options.enumOf('enums.status', ['active', 'closed']) },
  ],
  defaults: () => ({ is_key_emitter: false, has_captive_power_plant: false, status: 'active' }),
}

export const facilities: ResourceConfig = {
  name: 'facilities',
  title: 'nav.facilities',
  readPerm: 'registry.facility:read',
  writePerm: 'registry.facility:write',
  columns: [
    codeCol,
    nameCol,
    entCol,
    { prop: 'kind', label: 'fields.kind', sortKey: 'kind' },
    { prop: 'capacity', label: 'fields.capacity', sortKey: 'capacity' },
    { prop: 'capacity_unit', label: 'fields.capacityUnit', width: 100 },
    { prop: 'is_key_facility', label: 'fields.isKeyFacility', kind: 'bool', width: 100 },
    { prop: 'commissioned_on', label: 'fields.commissionedOn', width: 120 },
  ],
  filters: [enterpriseFilter, { prop: 'is_key_facility', label: 'fields.isKeyFacility', type: 'bool' }],
  fields: [
    enterpriseField,
    code,
    name,
    { prop: 'kind', label: 'fields.kind', type: 'text', required: true },
    { prop: 'capacity', label: 'fields.capacity', type: 'number', min: 0, precision: 4 },
    { prop: 'capacity_unit', label: 'fields.capacityUnit', type: 'text', placeholder: 't/a' },
    { prop: 'is_key_facility', label: 'fields.isKeyFacility', type: 'switch' },
    { prop: 'commissioned_on', label: 'fields.commissionedOn', type: 'date' },
    { prop: 'description', label: 'fields.description', type: 'textarea', span: 24 },
  ],
  defaults: () => ({ is_key_facility: true }),
}

export const processes: ResourceConfig = {
  name: 'processes',
  title: 'nav.processes',
  readPerm: 'registry.process:read',
  writePerm: 'registry.process:write',
  columns: [codeCol, nameCol, entCol, { prop: 'technology', label: 'fields.technology', minWidth: 180 }, { prop: 'description', label: 'fields.description', minWidth: 200 }],
  filters: [enterpriseFilter],
  fields: [
    enterpriseField,
    code,
    name,
    { prop: 'technology', label: 'fields.technology', type: 'text' },
    { prop: 'description', label: 'fields.description', type: 'textarea', span: 24 },
  ],
  defaults: () => ({}),
}

export const products: ResourceConfig = {
  name: 'products',
  title: 'nav.products',
  readPerm: 'registry.product:read',
  writePerm: 'registry.product:write',
  columns: [
    codeCol,
    nameCol,
    entCol,
    { prop: 'unit', label: 'fields.unit', sortKey: 'unit', width: 100 },
    { prop: 'is_main_product', label: 'fields.isMainProduct', kind: 'bool', width: 90 },
    { prop: 'process_name', label: 'fields.process', minWidth: 150 },
  ],
  filters: [enterpriseFilter, { prop: 'is_main_product', label: 'fields.isMainProduct', type: 'bool' }],
  fields: [
    enterpriseField,
    code,
    name,
    { prop: 'unit', label: 'fields.unit', type: 'select', required: true, options: options.units, filterable: true },
    { prop: 'is_main_product', label: 'fields.isMainProduct', type: 'switch' },
    { prop: 'process_id', label: 'fields.process', type: 'select', options: options.processes, dependsOn: 'enterprise_id', clearable: true },
  ],
  defaults: () => ({ is_main_product: false, unit: 't' }),
}

export const devices: ResourceConfig = {
  name: 'devices',
  title: 'nav.devices',
  readPerm: 'registry.device:read',
  writePerm: 'registry.device:write',
  columns: [
    codeCol,
    { ...nameCol, minWidth: 180 },
    { ...entCol, minWidth: 160 },
    { prop: 'device_type_name', label: 'fields.deviceType', sortKey: 'device_type', minWidth: 110 },
    { prop: 'accuracy_class', label: 'fields.accuracyClass', width: 100 },
    { prop: 'calibration_due_on', label: 'fields.calibrationDueOn', sortKey: 'calibration_due_on', width: 130 },
    {
      prop: 'calibration_status',
      label: 'fields.calibrationStatus',
      kind: 'tag',
      enumKey: 'enums.calibration',
      width: 100,
      tagType: (r) => ({ ok: 'success', due_soon: 'warning', overdue: 'danger' } as const)[r.calibration_status as 'ok'] ?? 'info',
    },
    { prop: 'last_calibrated_on', label: 'fields.lastCalibratedOn', width: 120 },
    { prop: 'model', label: 'fields.model' },
  ],
  filters: [
    enterpriseFilter,
    { prop: 'device_type', label: 'fields.deviceType', type: 'select', options: options.deviceTypes },
    { prop: 'calibration_status', label: 'fields.calibrationStatus', type: 'select', options: options.enumOf('enums.calibration', ['ok', 'due_soon', 'overdue', 'unknown']) },
  ],
  fields: [
    enterpriseField,
    code,
    { ...name, span: 24 },
    {
      prop: 'device_type',
      label: 'fields.deviceType',
      type: 'select',
      required: true,
      options: options.deviceTypes,
      onChange: (form, v) => {
        if (form.calibration_interval_months || !v) return
        void deviceTypeDefaults(String(v)).then((d) => {
          if (d && !form.calibration_interval_months) form.calibration_interval_months = d.calibration_interval_months
        })
      },
    },
    { prop: 'manufacturer', label: 'fields.manufacturer', type: 'text' },
    { prop: 'model', label: 'fields.model', type: 'text' },
    { prop: 'serial_no', label: 'fields.serialNo', type: 'text' },
    { prop: 'accuracy_class', label: 'fields.accuracyClass', type: 'text', placeholder: '0.5S' },
    { prop: 'calibration_interval_months', label: 'fields.calibrationIntervalMonths', type: 'number', min: 1, max: 120, precision: 0 },
    { prop: 'last_calibrated_on', label: 'fields.lastCalibratedOn', type: 'date' },
    { prop: 'status', label: 'fields.status', type: 'select', options: options.enumOf('enums.deviceStatus', ['in_service', 'spare', 'retired']) },
  ],
  defaults: () => ({ status: 'in_service' }),
}

export const meteringPoints: ResourceConfig = {
  name: 'metering-points',
  title: 'nav.meteringPoints',
  readPerm: 'registry.metering_point:read',
  writePerm: 'registry.metering_point:write',
  columns: [
    { ...codeCol, minWidth: 150 },
    nameCol,
    entCol,
    { prop: 'medium_name', label: 'fields.medium', sortKey: 'medium', width: 100 },
    { prop: 'unit', label: 'fields.unit', width: 90 },
    { prop: 'measurement', label: 'fields.measurement', kind: 'enum', enumKey: 'enums.measurement', width: 100 },
    { prop: 'direction', label: 'fields.direction', kind: 'enum', enumKey: 'enums.direction', sortKey: 'direction', width: 90 },
    { prop: 'device_code', label: 'fields.device', minWidth: 110 },
    { prop: 'facility_name', label: 'fields.facility', minWidth: 120 },
    { prop: 'multiplier', label: 'fields.multiplier', width: 100 },
    { prop: 'is_active', label: 'fields.isActive', kind: 'bool', width: 80 },
  ],
  filters: [
    enterpriseFilter,
    { prop: 'medium', label: 'fields.medium', type: 'select', options: options.media },
    { prop: 'direction', label: 'fields.direction', type: 'select', options: options.enumOf('enums.direction', ['import', 'export', 'internal']) },
  ],
  fields: [
    enterpriseField,
    code,
    { ...name, span: 24 },
    {
      prop: 'medium',
      label: 'fields.medium',
      type: 'select',
      required: true,
      options: options.media,
      onChange: (form, v) => {
        if (!v || form.unit) return
        void defaultUnitFor(String(v)).then((u) => {
          if (u && !form.unit) form.unit = u
        })
      },
    },
    { prop: 'unit', label: 'fields.unit', type: 'select', required: true, options: options.units },
    { prop: 'measurement', label: 'fields.measurement', type: 'select', required: true, options: options.enumOf('enums.measurement', ['cumulative', 'instantaneous']) },
    { prop: 'direction', label: 'fields.direction', type: 'select', required: true, options: options.enumOf('enums.direction', ['import', 'export', 'internal']) },
    { prop: 'facility_id', label: 'fields.facility', type: 'select', options: options.facilities, dependsOn: 'enterprise_id', clearable: true },
    { prop: 'device_id', label: 'fields.device', type: 'select', options: options.devices, dependsOn: 'enterprise_id', clearable: true },
    { prop: 'multiplier', label: 'fields.multiplier', type: 'number', min: 0.000001, precision: 6 },
    { prop: 'expected_interval_seconds', label: 'collection.expectedInterval', type: 'number', min: 1, max: 86400, precision: 0, placeholder: '900' },
    { prop: 'is_active', label: 'fields.isActive', type: 'switch' },
  ],
  defaults: () => ({ measurement: 'cumulative', direction: 'internal', is_active: true, multiplier: 1 }),
}
