import type { FormItemRule } from 'element-plus'
import { i18n } from '@/i18n'
import { validateCreditCode } from '@/utils/creditCode'

const t = (k: string) => i18n.global.t(k)

export const codeRule: FormItemRule = {
  pattern: /^[A-Za-z0-9_.-]+$/,
  message: () => t('common.invalidCode'),
  trigger: 'blur',
}

/** GB 32100 check on the client, same messages as the server's. */
export const creditCodeRule: FormItemRule = {
  trigger: 'blur',
  validator: (_rule, value: unknown, cb) => {
    if (!value) return cb()
    const problem = validateCreditCode(String(value))
    return problem ? cb(new Error(t(`validation.creditCode.${problem}`))) : cb()
  },
}

export const emailRule: FormItemRule = {
  trigger: 'blur',
  validator: (_r, v: unknown, cb) => (!v || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(String(v)) ? cb() : cb(new Error(t('validation.email')))),
}

export const phoneRule: FormItemRule = {
  trigger: 'blur',
  validator: (_r, v: unknown, cb) => (!v || /^[0-9+\-() ]{5,40}$/.test(String(v)) ? cb() : cb(new Error(t('validation.phone')))),
}
