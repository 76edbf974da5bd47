// The demo's stand-in for the Single Window's login (demo mode only, outside the OpenAPI
// document because no deployment serves it): list the demo enterprises' cards, mint a token.
import { ApiError, type ApiFieldError } from './client'

export interface DemoCard {
  card_id: string
  enterprise_name: string
  uscc: string
  card_type: string
  card_name: string
  user_name: string
  note: string
}

async function json<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as T & { errors?: ApiFieldError[] }
  if (!response.ok) throw new ApiError(response.status, body.errors ?? [])
  return body
}

export async function demoCards(): Promise<DemoCard[]> {
  return (await json<{ items: DemoCard[] }>(await fetch('/demo/v1/enterprises'))).items
}

export async function demoToken(cardId: string): Promise<{ token: string }> {
  return json(await fetch('/demo/v1/token', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ card_id: cardId }),
  }))
}
