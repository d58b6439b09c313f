import { api, type Query } from './client'
import type { AlarmEvent, AlarmRule, OmRecord, Page, QcRecord } from './types'

export const monitoringApi = {
  rules: (q: Query) => api.get<Page<AlarmRule>>('/alarm-rules', q),
  createRule: (body: Record<string, unknown>) => api.post<AlarmRule>('/alarm-rules', body),
  updateRule: (id: number, body: Record<string, unknown>) => api.patch<AlarmRule>(`/alarm-rules/${id}`, body),
  deleteRule: (id: number) => api.del(`/alarm-rules/${id}`),
  events: (q: Query) => api.get<Page<AlarmEvent>>('/alarm-events', q),
  event: (id: number) => api.get<AlarmEvent>(`/alarm-events/${id}`),
  transition: (id: number, action: 'acknowledge' | 'handle' | 'close' | 'comment', comment: string) =>
    api.post<AlarmEvent>(`/alarm-events/${id}/transitions`, { action, comment }),
  om: (q: Query) => api.get<Page<OmRecord>>('/om-records', q),
  createOm: (body: Record<string, unknown>) => api.post<OmRecord>('/om-records', body),
  updateOm: (id: number, body: Record<string, unknown>) => api.patch<OmRecord>(`/om-records/${id}`, body),
  qc: (q: Query) => api.get<Page<QcRecord>>('/qc-records', q),
  createQc: (body: Record<string, unknown>) => api.post<QcRecord>('/qc-records', body),
  reviewQc: (id: number, decision: 'approve' | 'reject', comment: string) =>
    api.post<QcRecord>(`/qc-records/${id}/review`, { decision, comment }),
}
