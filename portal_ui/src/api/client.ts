// The hub's public JSON API, typed from its own OpenAPI document (src/api/schema.d.ts is
// generated from src/api/openapi.json by scripts/build-ui): a route renamed in the hub is a
// path that no longer exists here, and `vue-tsc --noEmit` fails.
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'
import { operatorToken, portalToken, signOut } from '../session'

export interface ApiFieldError {
  code: string
  field?: string
  message: string
}

/** A refusal in the hub's one error shape: every bad field with its code, JSON path and Chinese message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiFieldError[],
  ) {
    super(errors.map((e) => e.message).join('；') || `HTTP ${status}`)
  }

  get codes(): string[] {
    return this.errors.map((e) => e.code)
  }

  /** The messages for a field's JSON path ($.seal_id), for the form item beside it. */
  byField(): Record<string, string> {
    const found: Record<string, string> = {}
    for (const e of this.errors) {
      if (e.field) found[e.field] = found[e.field] ? `${found[e.field]}；${e.message}` : e.message
    }
    return found
  }

  /** The messages no single field is to blame for. */
  general(): string {
    return this.errors.filter((e) => !e.field).map((e) => e.message).join('；')
  }
}

function bearer(token: () => string | null, onRefused: () => void): Middleware {
  return {
    onRequest({ request }) {
      const value = token()
      if (value) request.headers.set('Authorization', `Bearer ${value}`)
      return request
    },
    onResponse({ response }) {
      if (response.status === 401) onRefused()
      return response
    },
  }
}

export const portal = createClient<paths>({ baseUrl: '' })
portal.use(bearer(portalToken, () => signOut('portal')))

export const operator = createClient<paths>({ baseUrl: '' })
operator.use(bearer(operatorToken, () => signOut('operator')))

interface Answer {
  data?: unknown
  error?: unknown
  response: Response
}

/** The body of a successful answer as T, or an ApiError with the hub's per-field errors. */
export async function unwrap<T>(call: Promise<Answer>): Promise<T> {
  let answer: Answer
  try {
    answer = await call
  } catch {
    throw new ApiError(0, [{ code: 'E-NETWORK', message: '无法连接服务器，请稍后重试' }])
  }
  if (answer.response.ok) return answer.data as T
  const body = answer.error as { errors?: ApiFieldError[] } | undefined
  const errors = body?.errors ?? [{ code: `HTTP-${answer.response.status}`, message: `请求失败（${answer.response.status}）` }]
  throw new ApiError(answer.response.status, errors)
}

/** A PDF route's bytes as an object URL: the PDF routes take the bearer header, not a cookie. */
export async function pdfUrl(path: string): Promise<string> {
  const token = portalToken()
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { errors?: ApiFieldError[] }
    throw new ApiError(response.status, body.errors ?? [{ code: `HTTP-${response.status}`, message: '文件无法打开' }])
  }
  const blob = await response.blob()
  return URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }))
}
