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
