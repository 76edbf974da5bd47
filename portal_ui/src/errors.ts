// Per-field errors from the hub's 422 (errors[] with code, JSON path, Chinese message), kept
// beside the form: `fieldErrors['$.seal_id']` is the text shown under that field.
import { reactive, ref } from 'vue'
import { ApiError } from './api/client'

export function useFormErrors() {
  const fieldErrors = reactive<Record<string, string>>({})
  const generalError = ref('')

  function clear(): void {
    for (const key of Object.keys(fieldErrors)) delete fieldErrors[key]
    generalError.value = ''
  }

  /** Spread an ApiError over the fields it names; what names no known field is shown on top. */
  function show(error: unknown, known: string[] = []): void {
    clear()
    if (!(error instanceof ApiError)) {
      generalError.value = String(error)
      return
    }
    const byField = error.byField()
    const rest: string[] = []
    for (const [field, message] of Object.entries(byField)) {
      if (known.length === 0 || known.includes(field)) fieldErrors[field] = message
      else rest.push(message)
    }
    generalError.value = [error.general(), ...rest].filter(Boolean).join('；')
  }

  return { fieldErrors, generalError, clear, show }
}
