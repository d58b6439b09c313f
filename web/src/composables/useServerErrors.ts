import { reactive, ref } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiProblem } from '@/api/client'
import { i18n } from '@/i18n'

/**
 * RFC 9457 problems → form: each `errors[].field` lands on the el-form-item of that prop (via its
 * `error` attribute); a problem without field errors becomes the form-level message.
 */
export function useServerErrors() {
  const fields = reactive<Record<string, string>>({})
  const message = ref('')

  function clear() {
    for (const k of Object.keys(fields)) delete fields[k]
    message.value = ''
  }

  /** Returns true when the error was a problem shown on the form. */
  function take(e: unknown, known?: string[]): boolean {
    clear()
    if (!(e instanceof ApiProblem)) {
      message.value = i18n.global.t('errors.network')
      return false
    }
    const fe = e.fieldErrors()
    const unplaced: string[] = []
    for (const [k, v] of Object.entries(fe)) {
      if (!known || known.includes(k)) fields[k] = v
      else unplaced.push(`${k}: ${v}`)
    }
    if (Object.keys(fe).length === 0 || unplaced.length) {
      message.value = unplaced.length ? unplaced.join('；') : e.detail ? `${e.title}：${e.detail}` : e.title
    }
    return true
  }

  return { fields, message, clear, take }
}

/** Toast for problems outside forms (list loading, delete, export). */
export function showProblem(e: unknown): void {
  if (e instanceof ApiProblem) ElMessage.error(e.detail ? `${e.title}：${e.detail}` : e.title)
  else ElMessage.error(i18n.global.t('errors.network'))
}
