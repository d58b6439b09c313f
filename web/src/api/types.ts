/** Types of the JSON API (docs/api.md). Decimals travel as strings. */

export interface Page<T> {
  items: T[]
  total: number
  page: number
  size: number
}

export interface RoleGrant {
  role: string
  park_id: number | null
  enterprise_id: number | null
  park_name?: string | null
  enterprise_name?: string | null
}

export interface Me {
  id: number
  username: string
  display_name: string
  locale: string
  roles: RoleGrant[]
  permissions: string[]
  must_change_password: boolean
  must_enroll_totp?: boolean
}

export interface LoginOut {
  user: Me
  csrf_token: string
}

export interface Park {
  id: number
  code: string
  name: string
  province_code: string
  province_name: string
  city: string | null
  grid_region: string
  timezone: string
  area_km2: string | null
  address: string | null
  description: string | null
  enterprise_count: number
}

export interface Enterprise {
  id: number
  park_id: number
  park_name: string
  code: string
  name: string
  credit_code: string
  industry_code: string
  industry_name: string
  is_key_emitter: boolean
  has_captive_power_plant: boolean
  address: string | null
  legal_representative: string | null
  contact_name: string | null
  contact_phone: string | null
  contact_email: string | null
  status: 'active' | 'closed'
  facility_count: number
  metering_point_count: number
}

export interface Overview {
  park: Park | null
  enterprise_count: number
  key_emitter_count: number
  captive_power_count: number
  facility_count: number
  key_facility_count: number
  product_count: number
  device_count: number
  metering_point_count: number
  calibration_overdue_count: number
  calibration_due_soon_count: number
  enterprises_by_industry: { industry_code: string; industry_name: string; count: number }[]
  metering_points_by_medium: { medium: string; name: string; count: number }[]
}

export interface Industry {
  code: string
  name: string
  level: 'division' | 'group' | 'class'
  parent_code: string | null
}
export interface Province {
  code: string
  name: string
  grid_region: string
}
export interface DeviceType {
  code: string
  name: string
  default_unit: string
  calibration_interval_months: number
}
export interface Medium {
  code: string
  name: string
  default_unit: string
}
export interface Unit {
  code: string
  name: string
}

export interface AlarmRule {
  id: number
  park_id: number
  enterprise_id: number
  name: string
  kind: string
  point_id: number | null
  device_id: number | null
  threshold: string | null
  window_minutes: number
  min_samples: number
  severity: string
  is_active: boolean
}

export interface AlarmComment {
  author: string
  action: string
  text: string
  created_at: string
}

export interface AlarmEvent {
  id: number
  park_id: number
  enterprise_id: number
  rule_id: number
  rule_name: string
  point_id: number | null
  device_id: number | null
  kind: string
  severity: string
  status: string
  raised_at: string
  value: string | null
  reason: string
  message: string
  acknowledged_by: string | null
  acknowledged_at: string | null
  handled_by: string | null
  handled_at: string | null
  closed_by: string | null
  closed_at: string | null
  comments: AlarmComment[]
}

export interface OmRecord {
  id: number
  park_id: number
  enterprise_id: number
  kind: string
  title: string
  description: string | null
  device_id: number | null
  point_id: number | null
  started_at: string | null
  ended_at: string | null
  personnel: string | null
  status: string
  created_by: string
  created_at: string
}

export interface QcRecord {
  id: number
  enterprise_id: number
  kind: string
  device_id: number | null
  point_id: number | null
  performed_at: string
  performed_by: string
  reference_value: string
  measured_value: string
  full_scale: string | null
  result_value: string
  limit_value: string
  limit_tier: string
  passed: boolean
  note: string | null
  status: string
  reviewed_by: string | null
  reviewed_at: string | null
  review_comment: string | null
}

export interface UserRow {
  id: number
  username: string
  display_name: string
  email: string | null
  is_active: boolean
  is_locked: boolean
  must_change_password: boolean
  roles: RoleGrant[]
  created_at: string
  last_login_at: string | null
}

export interface SecurityPolicy {
  password_min_length: number
  password_min_classes: number
  password_history: number
  password_max_age_days: number
  lockout_threshold: number
  lockout_window_minutes: number
  lockout_minutes: number
  session_idle_minutes: number
  session_absolute_hours: number
}

export interface AuditEvent {
  id: number
  occurred_at: string
  actor_username: string | null
  actor_roles: string | null
  source_ip: string | null
  action: string
  object_type: string | null
  object_id: string | number | null
  object_label: string | null
  before: unknown
  after: unknown
  outcome: string
  detail: string | null
  request_id: string | null
}
