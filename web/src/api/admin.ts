import { api, download, type Query } from './client'
import type { AuditEvent, Page, RoleGrant, SecurityPolicy, UserRow } from './types'

export const adminApi = {
  users: (q: Query) => api.get<Page<UserRow>>('/users', q),
  createUser: (body: Record<string, unknown>) => api.post<UserRow>('/users', body),
  updateUser: (id: number, body: Record<string, unknown>) => api.patch<UserRow>(`/users/${id}`, body),
  setRoles: (id: number, roles: RoleGrant[]) => api.put<UserRow>(`/users/${id}/roles`, roles),
  exportUsers: (q: Query) => download('/users/export', q, 'users.xlsx'),
  policy: () => api.get<SecurityPolicy>('/security-policy'),
  setPolicy: (p: SecurityPolicy) => api.put<SecurityPolicy>('/security-policy', p),
  audit: (q: Query) => api.get<Page<AuditEvent>>('/audit-events', q),
  exportAudit: (q: Query) => download('/audit-events/export', q, 'audit-log.xlsx'),
  verifyAudit: () => api.get<{ ok: boolean; checked: number; first_bad_id: number | null }>('/audit-events/verify'),
}
