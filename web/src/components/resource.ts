import type { FormItemRule } from 'element-plus'
import type { ResourceName } from '@/api/registry'
import type { Query } from '@/api/client'
import type { Page } from '@/api/types'

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
  kind?: 'text' | 'bool' | 'enum' | 'tag' | 'datetime' | 'decimal'
  enumKey?: string // i18n prefix for enum values, e.g. 'enums.status'
  tagType?: (row: FormModel) => 'success' | 'warning' | 'danger' | 'info' | 'primary'
  fixed?: 'left' | 'right'
  /** display text computed from the row (e.g. an enterprise name from its id) */
  formatter?: (row: FormModel) => string
}

export interface FilterDef {
  prop: string
  label: string
  type: 'select' | 'bool' | 'text'
  options?: () => Promise<Option[]>
}

export interface FieldDef {
  prop: string
  label: string
  type: 'text' | 'textarea' | 'select' | 'switch' | 'date' | 'datetime' | 'number'
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
  /** shown only when this returns true (e.g. device for calibration rules, point otherwise) */
  visible?: (form: FormModel) => boolean
  /** the label's i18n key when it depends on the form (a rule's threshold means another thing per kind) */
  labelFor?: (form: FormModel) => string
  /** editable on update too (default true); false → create-only, like createOnly */
}

/** The endpoints a page uses; the registry resources get them from resourceApi(name). */
export interface PageApi {
  list: (q: Query) => Promise<Page<object>>
  create?: (body: FormModel) => Promise<unknown>
  update?: (id: number, body: FormModel) => Promise<unknown>
  remove?: (id: number) => Promise<unknown>
  exportXlsx?: (q: Query) => Promise<string>
}

/** An extra button per row (workflow steps: acknowledge, review …). */
export interface RowAction {
  key: string
  label: string // i18n key
  perm: string
  type?: 'primary' | 'success' | 'warning' | 'danger' | 'info'
  visible?: (row: FormModel) => boolean
  /** ask for a comment first (ElMessageBox.prompt) */
  prompt?: boolean
  /** the action handles its own feedback (opens a dialog): no toast, no reload */
  silent?: boolean
  run: (row: FormModel, comment: string) => Promise<unknown>
}

export interface ResourceConfig {
  name: ResourceName | string
  /** default: resourceApi(name) with list/create/update/delete/export */
  api?: PageApi
  rowActions?: RowAction[]
  /** the list endpoint takes `q` (default true) */
  searchable?: boolean
  searchPlaceholder?: string // i18n key
  actionWidth?: number
  /** fields that may be changed on update (default: every visible field) */
  updatable?: string[]
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
