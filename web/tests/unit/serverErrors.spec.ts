import { describe, expect, it } from 'vitest'
import { ApiProblem } from '@/api/client'
import { useServerErrors } from '@/composables/useServerErrors'
import { MENU } from '@/router/modules'
import { auth } from '@/stores/auth'
import type { Me } from '@/api/types'

const problem = (errors: { field: string; msg: string }[], detail = 'x') =>
  new ApiProblem(422, {
    title: '提交的数据有误，请检查标出的字段',
    detail,
    code: 'validation-error',
    errors: errors.map((e) => ({ loc: ['body', e.field], field: e.field, msg: e.msg, type: 't' })),
  })

describe('server field errors on forms', () => {
  it('puts each field error on its form field and nothing at form level', () => {
    const s = useServerErrors()
    s.take(problem([{ field: 'credit_code', msg: '统一社会信用代码校验码错误' }]), ['credit_code', 'code'])
    expect(s.fields.credit_code).toBe('统一社会信用代码校验码错误')
    expect(s.message.value).toBe('')
  })

  it('shows errors of fields the form does not have at form level', () => {
    const s = useServerErrors()
    s.take(problem([{ field: 'park_id', msg: '园区不存在' }]), ['code'])
    expect(s.fields.park_id).toBeUndefined()
    expect(s.message.value).toContain('park_id')
  })

  it('a problem without field errors becomes the form message; clear() resets', () => {
    const s = useServerErrors()
    s.take(new ApiProblem(409, { title: '编码已被使用', code: 'registry.code-taken' }))
    expect(s.message.value).toBe('编码已被使用')
    s.clear()
    expect(s.message.value).toBe('')
  })
})

describe('module menu by permission', () => {
  const me = (permissions: string[]): Me => ({ id: 1, username: 'u', display_name: 'U', locale: 'zh-CN', roles: [], permissions, must_change_password: false })

  it('an audit administrator sees the audit log only', () => {
    auth.state.me = me(['audit.event:read'])
    expect(MENU.filter((m) => auth.can(m.perm)).map((m) => m.name)).toEqual(['audit'])
  })

  it('a park administrator sees the business modules, not the administration', () => {
    auth.state.me = me(['registry.park:read', 'registry.enterprise:read', 'monitoring.alarm:read'])
    const names = MENU.filter((m) => auth.can(m.perm)).map((m) => m.name)
    expect(names).toEqual(['overview', 'parks', 'enterprises', 'alarm-events', 'alarm-rules'])
    auth.state.me = null
  })
})

describe('display helpers', () => {
  it('trims trailing zeros of decimal strings without rounding', async () => {
    const { trimDecimal } = await import('@/composables/usePagedList')
    expect(trimDecimal('0.800000')).toBe('0.8')
    expect(trimDecimal('2.000000')).toBe('2')
    expect(trimDecimal('12345678901.0123456789')).toBe('12345678901.0123456789')
    expect(trimDecimal('100')).toBe('100')
    expect(trimDecimal(null)).toBe('')
  })
})
