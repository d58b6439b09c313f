import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import { auth } from '@/stores/auth'
import AlarmEventsView from '@/views/monitoring/AlarmEventsView.vue'

const event = {
  id: 7, park_id: 1, enterprise_id: 3, rule_id: 2, rule_name: '1#锅炉 CEMS 检定到期', point_id: null, device_id: 9,
  kind: 'calibration_overdue', severity: 'warning', status: 'open', raised_at: '2026-11-24T02:00:00Z', value: null,
  reason: 'x', message: '计量器具检定已超期', acknowledged_by: null, acknowledged_at: null, handled_by: null,
  handled_at: null, closed_by: null, closed_at: null, comments: [],
}

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

afterEach(() => {
  vi.unstubAllGlobals()
  auth.state.me = null
})

describe('alarm events page', () => {
  it('lists the not-closed events and acknowledges one with a comment', { timeout: 60_000 }, async () => {
    auth.state.me = { id: 1, username: 'p', display_name: 'P', locale: 'zh-CN', roles: [], permissions: ['monitoring.alarm:read', 'monitoring.alarm:write'], must_change_password: false }
    // el-table watches its DOM with a MutationObserver that happy-dom's proxy cannot serve
    vi.stubGlobal('MutationObserver', class { observe() {} disconnect() {} takeRecords() { return [] } })
    const calls: { url: string; init?: RequestInit }[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ url, init })
      if (url.startsWith('/api/v1/alarm-events?')) return json({ items: [event], total: 1, page: 1, size: 20 })
      if (url === '/api/v1/alarm-events/7') return json(event)
      if (url === '/api/v1/alarm-events/7/transitions') {
        return json({ ...event, status: 'acknowledged', comments: [{ author: 'p', action: 'acknowledge', text: '已通知计量室', created_at: '2026-11-24T03:00:00Z' }] })
      }
      if (url.startsWith('/api/v1/enterprises')) return json({ items: [{ id: 3, code: 'NT-CHP', name: '园区热电有限公司' }], total: 1, page: 1, size: 500 })
      return json({}, 404)
    }))
    const wrapper = mount(AlarmEventsView, { global: { plugins: [ElementPlus, i18n] }, attachTo: document.body })
    await flushPromises()
    expect(calls.find((c) => c.url.startsWith('/api/v1/alarm-events?'))?.url).toContain('status=active')
    expect(wrapper.text()).toContain('计量器具检定已超期')
    expect(wrapper.text()).toContain('未确认')

    // open the detail, write a comment, acknowledge
    await wrapper.find('.el-table__body-wrapper .el-button').trigger('click')
    await flushPromises()
    const textarea = document.querySelector('.el-drawer textarea') as HTMLTextAreaElement
    textarea.value = '已通知计量室'
    textarea.dispatchEvent(new Event('input'))
    await flushPromises()
    const ack = [...document.querySelectorAll('.el-drawer .el-button')].find((b) => b.textContent?.includes('确认')) as HTMLButtonElement
    ack.click()
    await flushPromises()
    const post = calls.find((c) => c.url === '/api/v1/alarm-events/7/transitions')
    expect(post?.init?.method).toBe('POST')
    expect(JSON.parse(String(post?.init?.body))).toEqual({ action: 'acknowledge', comment: '已通知计量室' })
    expect(document.querySelector('.el-drawer')?.textContent).toContain('已通知计量室')
    wrapper.unmount()
  })
})
