/**
 * The one HTTP client of the web UI. Cookie session (sent by the browser), the CSRF token read
 * from the `dc_csrf` cookie and echoed in `X-CSRF-Token` on every unsafe method, the UI language
 * in `Accept-Language`, and RFC 9457 problem details turned into `ApiProblem`.
 */

export const API_BASE = '/api/v1'
export const CSRF_COOKIE = 'dc_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'

export interface FieldProblem {
  loc: (string | number)[]
  field: string | null
  msg: string
  type: string
}

export interface ProblemBody {
  type?: string
  title?: string
  status?: number
  detail?: string | null
  instance?: string
  code?: string
  request_id?: string
  errors?: FieldProblem[]
}

export class ApiProblem extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly detail: string | null
  readonly errors: FieldProblem[]
  readonly requestId: string | null

  constructor(status: number, body: ProblemBody) {
    super(body.detail || body.title || `HTTP ${status}`)
    this.name = 'ApiProblem'
    this.status = status
    this.code = body.code ?? 'unknown'
    this.title = body.title ?? `HTTP ${status}`
    this.detail = body.detail ?? null
    this.errors = body.errors ?? []
    this.requestId = body.request_id ?? null
  }

  /** Field name → message, for mapping onto form items (first message per field wins). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const e of this.errors) {
      const field = e.field ?? (e.loc.length ? String(e.loc[e.loc.length - 1]) : '')
      if (field && !(field in out)) out[field] = e.msg
    }
    return out
  }
}

let locale = 'zh-CN'
let onUnauthenticated: (() => void) | null = null

export function setApiLocale(value: string): void {
  locale = value
}

export function setUnauthenticatedHandler(fn: (() => void) | null): void {
  onUnauthenticated = fn
}

export function readCookie(name: string, source: string = document.cookie): string | null {
  for (const part of source.split(';')) {
    const [k, ...rest] = part.trim().split('=')
    if (k === name) return decodeURIComponent(rest.join('='))
  }
  return null
}

export type Query = Record<string, string | number | boolean | null | undefined>

export function buildQuery(params?: Query): string {
  if (!params) return ''
  const sp = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue
    sp.append(k, String(v))
  }
  const s = sp.toString()
  return s ? `?${s}` : ''
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export async function rawRequest(method: string, path: string, body?: unknown, query?: Query): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': locale }
  const isForm = typeof FormData !== 'undefined' && body instanceof FormData
  if (body !== undefined && !isForm) headers['Content-Type'] = 'application/json'
  if (UNSAFE.has(method)) {
    const token = readCookie(CSRF_COOKIE)
    if (token) headers[CSRF_HEADER] = token
  }
  const res = await fetch(`${API_BASE}${path}${buildQuery(query)}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : isForm ? (body as FormData) : JSON.stringify(body),
  })
  if (!res.ok) {
    let problem: ProblemBody = {}
    try {
      problem = (await res.json()) as ProblemBody
    } catch {
      problem = { title: res.statusText }
    }
    const err = new ApiProblem(res.status, problem)
    if (res.status === 401 && !path.startsWith('/auth/login') && onUnauthenticated) onUnauthenticated()
    throw err
  }
  return res
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const res = await rawRequest(method, path, body, query)
  if (res.status === 204) return undefined as T
  return (await res.json()) as T
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, query),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body),
  del: (path: string) => request<void>('DELETE', path),
}

/** Download an export (xlsx) with the session cookie and save it under the server's file name. */
export async function download(path: string, query?: Query, fallbackName = 'export.xlsx'): Promise<string> {
  const res = await rawRequest('GET', path, undefined, query)
  const blob = await res.blob()
  const cd = res.headers.get('content-disposition') ?? ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd)
  const plain = /filename="?([^";]+)"?/i.exec(cd)
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : fallbackName
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
  return name
}
