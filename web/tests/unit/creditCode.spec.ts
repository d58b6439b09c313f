import { describe, expect, it } from 'vitest'
import { makeCreditCode, orgCheckChar, validateCreditCode } from '@/utils/creditCode'

describe('GB 32100 credit code', () => {
  it('accepts codes seeded by the demo park (computed by the Python rules)', () => {
    expect(validateCreditCode('9132060071381096XJ')).toBeNull()
  })

  it('accepts a published real-world code', () => {
    // 91350100M000100Y43 is the standard's worked example
    expect(validateCreditCode('91350100M000100Y43')).toBeNull()
  })

  it('names the first problem like the server does', () => {
    expect(validateCreditCode('123')).toBe('length')
    expect(validateCreditCode('9132060071381096XI')).toBe('charset')
    expect(validateCreditCode('91320600713810961X')).toBe('org-check-digit')
    expect(validateCreditCode('9132060071381096XA')).toBe('check-digit')
  })

  it('upper-cases and trims before checking', () => {
    expect(validateCreditCode(' 9132060071381096xj ')).toBeNull()
  })

  it('GB 11714 organisation check digit maps 10 to X and 11 to 0', () => {
    expect(orgCheckChar('71381096')).toBe('X')
    const digits = new Set<string>()
    for (let i = 0; i < 400; i++) digits.add(orgCheckChar(String(10000000 + i * 7919).slice(0, 8)))
    expect(digits.has('0')).toBe(true)
  })

  it('makes the same codes as the Python rules (make_credit_code + make_org_code)', () => {
    expect(makeCreditCode('91', '320600', 'MA1X2Y3Q')).toBe('91320600MA1X2Y3Q4H')
    expect(makeCreditCode('91', '320600', '12345678')).toBe('913206001234567886')
    expect(makeCreditCode('91', '320600', '0000000A')).toBe('913206000000000A2F')
  })

  it('makes codes that validate, and any single-character change is caught', () => {
    for (let i = 0; i < 200; i++) {
      const body = String(20000000 + i * 104729).slice(0, 8)
      const code = makeCreditCode('91', '320600', body)
      expect(validateCreditCode(code)).toBeNull()
      const broken = code.slice(0, 17) + (code[17] === '0' ? '1' : '0')
      expect(validateCreditCode(broken)).not.toBeNull()
    }
  })
})
