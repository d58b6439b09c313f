import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiProblem, api, buildQuery, readCookie, setApiLocale } from '@/api/client'

afterEach(() => {
  vi.unstubAllGlobals()
  document.cookie = 'dc_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/'
})

function stubFetch(status: number, body: unknown, contentType = 'application/problem+json') {
  const fn = vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': contentType } }))
  vi.stubGlobal('fetch', fn)
  return fn
}

describe('api client', () => {
  it('reads cookies by name', () => {
    expect(readCookie('dc_csrf', 'a=1; dc_csrf=abc%3D; b=2')).toBe('abc=')
    expect(readCookie('nope', 'a=1')).toBeNull()
  })

  it('drops empty query values', () => {
    expect(buildQuery({ q: '', page: 2, x: undefined, y: null, flag: false })).toBe('?page=2&flag=false')
  })

  it('sends the CSRF token and the UI language on unsafe methods only', async () => {
    document.cookie = 'dc_csrf=tok123; path=/'
    setApiLocale('en')
    const fn = stubFetch(200, { ok: 1 }, 'application/json')
    await api.post('/enterprises', { a: 1 })
    const [url, init] = fn.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/v1/enterprises')
    const h = init.headers as Record<string, string>
    expect(h['X-CSRF-Token']).toBe('tok123')
    expect(h['Accept-Language']).toBe('en')
    expect(init.credentials).toBe('same-origin')
    await api.get('/enterprises')
    const h2 = (fn.mock.calls[1] as unknown as [string, RequestInit])[1].headers as Record<string, string>
    expect(h2['X-CSRF-Token']).toBeUndefined()
    setApiLocale('zh-CN')
  })

  it('turns RFC 9457 problems into ApiProblem with field errors by form field', async () => {
    stubFetch(422, {
      type: '/problems/validation-error',
      title: '提交的数据有误，请检查标出的字段',
      status: 422,
      code: 'validation-error',
      detail: 'credit_code: 统一社会信用代码校验码错误',
      errors: [
        { loc: ['body', 'credit_code'], field: 'credit_code', msg: '统一社会信用代码校验码错误', type: 'x' },
        { loc: ['body', 'contacts', 0, 'phone'], field: null, msg: 'bad phone', type: 'y' },
      ],
    })
    const err = await api.post('/enterprises', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiProblem)
    const p = err as ApiProblem
    expect(p.status).toBe(422)
    expect(p.code).toBe('validation-error')
    expect(p.fieldErrors()).toEqual({ credit_code: '统一社会信用代码校验码错误', phone: 'bad phone' })
  })

  it('copes with a non-JSON error body', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('oops', { status: 502, statusText: 'Bad Gateway' })))
    const err = (await api.get('/x').catch((e: unknown) => e)) as ApiProblem
    expect(err.status).toBe(502)
    expect(err.errors).toEqual([])
  })
})
