// Who is signed in: the portal token (from the Single Window's login, or the demo's card
// page) and, separately, the operator console's token. Kept for the browser tab only.
import { reactive } from 'vue'

const PORTAL = 'sw-portal-token'
const OPERATOR = 'sw-operator-token'

export interface Me {
  enterprise_name: string
  uscc: string
  org_code: string
  user_id: string
  user_name: string
  card_type: 'legal_person' | 'operator'
}

export const session = reactive<{ me: Me | null; expired: boolean }>({ me: null, expired: false })

export const portalToken = (): string | null => sessionStorage.getItem(PORTAL)
export const operatorToken = (): string | null => sessionStorage.getItem(OPERATOR)

export function signIn(kind: 'portal' | 'operator', token: string): void {
  sessionStorage.setItem(kind === 'portal' ? PORTAL : OPERATOR, token)
  session.expired = false
}

export function signOut(kind: 'portal' | 'operator', expired = true): void {
  sessionStorage.removeItem(kind === 'portal' ? PORTAL : OPERATOR)
  if (kind === 'portal') session.me = null
  session.expired = expired
  const target = kind === 'portal' ? '/login' : '/ops/login'
  if (!location.pathname.startsWith(target)) {
    const back = encodeURIComponent(location.pathname + location.search)
    location.assign(`${target}?redirect=${back}`)
  }
}

export const cardName = (card: string | null | undefined): string =>
  card === 'legal_person' ? '法人卡' : card === 'operator' ? '操作员卡' : ''
