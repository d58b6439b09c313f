/**
 * GB 32100-2015 unified social credit code (统一社会信用代码), the client-side twin of
 * src/dualcarbon/core/registry_rules.py: 18 characters from a 31-character set, characters 9–17
 * are a GB 11714 organisation code with its mod-11 check digit, character 18 is a mod-31 check.
 * The server stays the authority; this only spares a round trip.
 */

export const CREDIT_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

export type CreditCodeProblem = 'length' | 'charset' | 'org-check-digit' | 'check-digit'

export function creditCheckChar(first17: string): string {
  let total = 0
  for (let i = 0; i < 17; i++) total += CREDIT_CHARS.indexOf(first17[i]) * WEIGHTS[i]
  return CREDIT_CHARS[(31 - (total % 31)) % 31]
}

export function orgCheckChar(body8: string): string {
  let total = 0
  for (let i = 0; i < 8; i++) total += parseInt(body8[i], 36) * ORG_WEIGHTS[i]
  const c9 = 11 - (total % 11)
  return c9 === 11 ? '0' : c9 === 10 ? 'X' : String(c9)
}

/** null when valid, else the first problem (same slugs as the server's messages). */
export function validateCreditCode(raw: string): CreditCodeProblem | null {
  const code = raw.trim().toUpperCase()
  if (code.length !== 18) return 'length'
  for (const c of code) if (!CREDIT_CHARS.includes(c)) return 'charset'
  const org = code.slice(8, 17)
  if (!/^[0-9A-Z]{8}$/.test(org.slice(0, 8)) || orgCheckChar(org.slice(0, 8)) !== org[8]) return 'org-check-digit'
  if (creditCheckChar(code.slice(0, 17)) !== code[17]) return 'check-digit'
  return null
}

/** A valid code from a registration-authority prefix (2 chars), a 6-digit division code and an
 *  8-character organisation body: both check characters are computed. */
export function makeCreditCode(prefix2: string, division6: string, orgBody8: string): string {
  const org9 = orgBody8 + orgCheckChar(orgBody8)
  const first17 = prefix2 + division6 + org9
  return first17 + creditCheckChar(first17)
}
