import type { FormItemRule } from 'element-plus'
import type { ResourceName } from '@/api/registry'

export interface Option {
  value: string | number | boolean
  label: string
}

export type FormModel = Record<string, unknown>

/** A table column. `sortKey` marks server-sortable columns (the API's `sort` names). */
export interface ColumnDef {
  prop: string
  label: string // i18n key
  width?: number
  minWidth?: number
  sortKey?: string
  kind?: 'text' | 'bool' | 'enum' | 'tag' | 'date'
  enumKey?: string // i18n prefix for enum values, e.g. 'enums.status'
  tagType?: (row: FormModel) => 'success' | 'warning' | 'danger' | 'info' | 'primary'
  fixed?: 'left' | 'right'
}

export interface FilterDef {
  prop: string
  label: string
  type: 'select' | 'bool'
  options?: () => Promise<Option[]>
}

export interface FieldDef {
  prop: string
  label: string
  type: 'text' | 'textarea' | 'select' | 'switch' | 'date' | 'number'
  required?: boolean
  /** options for selects; may depend on the form (e.g. facilities of the chosen enterprise) */
  options?: (form: FormModel) => Promise<Option[]>
  /** props whose change reloads this select's options */
  dependsOn?: string
  rules?: FormItemRule[]
  createOnly?: boolean
  span?: 12 | 24
  placeholder?: string
  filterable?: boolean
  clearable?: boolean
  min?: number
  max?: number
  precision?: number
  /** side effect when the value changes (e.g. default unit from the medium) */
  onChange?: (form: FormModel, value: unknown, options: Option[]) => void
}

export interface ResourceConfig {
  name: ResourceName
  title: string // i18n key
  readPerm: string
  writePerm: string
  updatePerm?: string
  columns: ColumnDef[]
  filters: FilterDef[]
  fields: FieldDef[]
  defaults: () => FormModel
  /** label of a row in confirmations */
  rowLabel?: (row: FormModel) => string
}
