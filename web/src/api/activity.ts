import { api, download, rawRequest, type Query } from './client'

/** Activity data (活动数据): configured sources, monthly data sets, their records and workflow. */
export interface ActivitySource {
  id: number
  park_id: number
  enterprise_id: number
  code: string
  name: string
  kind: string
  unit: string
  settings: Record<string, unknown>
  facility_id: number | null
  is_active: boolean
}

export interface ActivityAttachment {
  id: number
  record_id: number
  filename: string
  content_type: string | null
  size_bytes: number
  sha256: string
  created_by: string
  created_at: string
}

export interface AttachmentLimits {
  max_bytes: number
  extensions: string[]
}

export interface ActivityRecord {
  id: number
  dataset_id: number
  source_id: number
  quantity: string
  unit: string
  ncv: string | null
  carbon_content: string | null
  data_source: 'meter_ledger' | 'invoice' | 'lab_test' | 'default'
  comment: string | null
  updated_by: string
  updated_at: string
  attachments?: ActivityAttachment[]
}

export type DatasetStatus = 'draft' | 'submitted' | 'returned' | 'approved' | 'superseded'

export interface ActivityDataset {
  id: number
  park_id: number
  enterprise_id: number
  month: string
  version: number
  status: DatasetStatus
  created_by: string
  submitted_by: string | null
  submitted_at: string | null
  reviewed_by: string | null
  reviewed_at: string | null
  review_comment: string | null
  correction_reason: string | null
  previous_id: number | null
  created_at?: string
  records: ActivityRecord[]
}

export const activityApi = {
  sources: (q: Query) => api.get<ActivitySource[]>('/activity-sources', q),
  createSource: (body: Record<string, unknown>) => api.post<ActivitySource>('/activity-sources', body),
  datasets: (q: Query) => api.get<ActivityDataset[]>('/activity-datasets', q),
  dataset: (id: number) => api.get<ActivityDataset>(`/activity-datasets/${id}`),
  createDataset: (enterprise_id: number, month: string) =>
    api.post<ActivityDataset>('/activity-datasets', { enterprise_id, month }),
  putRecord: (id: number, body: Record<string, unknown>) => api.post<ActivityRecord>(`/activity-datasets/${id}/records`, body),
  updateRecord: (id: number, body: Record<string, unknown>) => api.patch<ActivityRecord>(`/activity-records/${id}`, body),
  deleteRecord: (id: number) => api.del(`/activity-records/${id}`),
  submit: (id: number) => api.post<ActivityDataset>(`/activity-datasets/${id}/submit`),
  approve: (id: number, comment: string) => api.post<ActivityDataset>(`/activity-datasets/${id}/approve`, { comment: comment || null }),
  returnBack: (id: number, comment: string) => api.post<ActivityDataset>(`/activity-datasets/${id}/return`, { comment: comment || null }),
  /** A correction (更正) of the approved month: a new draft version with the records copied. */
  correct: (id: number, reason: string) => api.post<ActivityDataset>(`/activity-datasets/${id}/correct`, { reason }),
  attachmentLimits: () => api.get<AttachmentLimits>('/activity-attachments/limits'),
  uploadAttachment: async (recordId: number, file: File): Promise<ActivityAttachment> => {
    const form = new FormData()
    form.append('file', file)
    const res = await rawRequest('POST', `/activity-records/${recordId}/attachments`, form)
    return (await res.json()) as ActivityAttachment
  },
  downloadAttachment: (a: ActivityAttachment) => download(`/activity-attachments/${a.id}`, undefined, a.filename),
  template: (id: number) => download(`/activity-datasets/${id}/template`, { format: 'xlsx' }, 'activity.xlsx'),
  /** Multipart upload of the filled template; a problem lists every bad cell in `errors`. */
  importFile: async (id: number, file: File): Promise<ActivityDataset> => {
    const form = new FormData()
    form.append('file', file)
    const res = await rawRequest('POST', `/activity-datasets/${id}/import`, form)
    return (await res.json()) as ActivityDataset
  },
}

/** The server's cell message repeats the position ("工作表 X 第 n 行 C 列：reason"); the import
 * error table has columns for it, so only the reason is shown. */
export function cellReason(msg: string): string {
  return msg.replace(/^(工作表|sheet)\s.*?[：:]\s*/i, '')
}

/** Whether a file may be uploaded as evidence under the server's limits: null, or the reason
 * ('type' | 'size' | 'empty'), so the page can explain before sending anything. */
export function checkAttachment(file: { name: string; size: number }, limits: AttachmentLimits | null): 'type' | 'size' | 'empty' | null {
  if (!limits) return null
  const dot = file.name.lastIndexOf('.')
  const ext = dot >= 0 ? file.name.slice(dot).toLowerCase() : ''
  if (!limits.extensions.includes(ext)) return 'type'
  if (file.size === 0) return 'empty'
  if (file.size > limits.max_bytes) return 'size'
  return null
}

/** The first 12 hex digits of a SHA-256, as shown next to the file (the full digest in a tooltip). */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 12)
}

/** Bytes as B / KB / MB with thousands separators. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toLocaleString('zh-CN', { maximumFractionDigits: 1 })} KB`
  return `${(bytes / 1024 / 1024).toLocaleString('zh-CN', { maximumFractionDigits: 1 })} MB`
}
