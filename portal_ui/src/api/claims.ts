// 索赔申请 (§四): the answers' shapes of the claim routes, and the three calls that carry
// files rather than JSON (the template download, its import, an attachment upload with
// progress). Their paths are checked against the OpenAPI document like every other call.
import { ApiError, portal, unwrap, type ApiFieldError } from './client'
import type { paths } from './schema'
import { portalToken, signOut } from '../session'

export interface Policy {
  offer_no: string
  policy_no: string
  product_name: string
  insurer_name: string
  period_start: string
  period_end: string
  status: string
  claims: ClaimSummary[]
}

export interface ClaimSummary {
  claim_no: string
  status: string
  buyer_name_en: string | null
  claim_amount: string
  created_at_beijing: string
  submitted_at_beijing: string
}

export interface Bank {
  swift: string
  name_en: string
  country: string
  address_en: string
}

export interface ShipmentLine {
  shipment_serial: string
  invoice_no: string
  hs_code: string
  shipment_date: string
  payment_method: string
  payment_term_days: number
  invoice_amount: string
  claim_amount: string
  collection_status: string
  transport_mode: string
  declaration_no: string
  origin_certificate_no: string | null
}

export interface CaseInfo {
  trade_financing: boolean
  trade_dispute: boolean
  buyer_acknowledged_debt: boolean
  legal_action_taken: boolean
  financing_bank_swift: string | null
  financing_bank_name: string | null
  financing_amount: string | null
}

export interface ExplanationInfo {
  loss_cause: string
  reason: string
  case_description: string
  mitigation: string
}

export interface Review {
  result: string
  decided_at_beijing: string
  business_serial: string
  return_reason: string | null
  account_manager: string | null
  account_manager_contact: string | null
}

export interface Claim {
  claim_no: string
  status: string
  editable: boolean
  policy: { offer_no: string; policy_no: string; period_start: string; period_end: string; insurer_name: string }
  enterprise_name: string
  uscc: string
  buyer: { code: string; name_en: string; country: string } | null
  issuing_bank: Bank | null
  confirming_bank: Bank | null
  case: CaseInfo | null
  explanation: ExplanationInfo | null
  shipments: ShipmentLine[]
  shipment_report: { state: 'missing' | 'stale' | 'fresh'; generated_at_beijing: string; sha256: string | null }
  declaration: string
  submissions: number
  business_serial: string | null
  submitted_at_beijing: string
  review: Review | null
  return_reason: string | null
  message?: string
}

export interface DirectoryBuyer {
  code: string
  english_name: string
  country: string
  country_name: string
  address: string
}

export interface TableColumn { key: string; title: string }
export interface ResultTable { columns: TableColumn[]; rows: Record<string, string | number | null>[]; total: number }

export interface DeclarationCheck {
  lines: { line_id: string; declaration_no: string; result: string; mark: string }[]
  declarations: ResultTable
  bills_of_lading: ResultTable
  certificates_of_origin: ResultTable
}

export interface Attachment {
  index: number
  attachment_id: number
  kind: string
  name: string
  remark: string
  summary: string
  uploaded_at_beijing: string
  size: number
  size_text: string
}

export interface Attachments {
  items: Attachment[]
  used_bytes: number
  limit_bytes: number
  file_limit_bytes: number
  next_file_limit_bytes: number
  allowed_media_types: string[]
}

export interface CodeEntry {
  code: string
  name: string
  name_en?: string
  needs_issuing_bank?: boolean
  needs_confirming_bank?: boolean
}

// The file routes, named as the OpenAPI document names them: a renamed route fails vue-tsc.
const TEMPLATE: keyof paths = '/portal/v1/claims/shipment-template.xlsx'
const IMPORT: keyof paths = '/portal/v1/claims/{claim_no}/shipments/import'
const ATTACHMENTS: keyof paths = '/portal/v1/claims/{claim_no}/attachments'

function claimPath(template: string, claimNo: string): string {
  return template.replace('{claim_no}', encodeURIComponent(claimNo))
}

function authHeaders(): Record<string, string> {
  const token = portalToken()
  return token ? { Authorization: `Bearer ${token}` } : {}
}

function refusal(status: number, text: string): ApiError {
  if (status === 401) signOut('portal')
  let errors: ApiFieldError[] | undefined
  try {
    errors = (JSON.parse(text) as { errors?: ApiFieldError[] }).errors
  } catch {
    errors = undefined
  }
  return new ApiError(status, errors ?? [{ code: `HTTP-${status}`, message: `请求失败（${status}）` }])
}

/** 下载导入模板: the bearer header rules out a plain link, so the bytes come as a blob. */
export async function downloadTemplate(): Promise<void> {
  const response = await fetch(TEMPLATE, { headers: authHeaders() })
  if (!response.ok) throw refusal(response.status, await response.text())
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement('a')
  link.href = url
  link.download = '出运信息导入模板.xlsx'
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** 导入: the filled template as the request body; every bad cell comes back named. */
export async function importTemplate(claimNo: string, file: File): Promise<{ imported: number }> {
  const response = await fetch(claimPath(IMPORT, claimNo), {
    method: 'POST', body: file, headers: { ...authHeaders(), 'Content-Type': 'application/octet-stream' },
  }).catch(() => null)
  if (response === null) throw new ApiError(0, [{ code: 'E-NETWORK', message: '无法连接服务器，请稍后重试' }])
  const text = await response.text()
  if (!response.ok) throw refusal(response.status, text)
  return JSON.parse(text) as { imported: number }
}

/** 上传附件 with its progress (fetch reports none for uploads, XMLHttpRequest does). */
export function uploadAttachment(claimNo: string, file: File, remark: string, summary: string,
                                 onProgress: (percent: number) => void): Promise<Attachment> {
  const form = new FormData()
  form.append('remark', remark)
  form.append('summary', summary)
  form.append('file', file, file.name)
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open('POST', claimPath(ATTACHMENTS, claimNo))
    for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value)
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100))
    }
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) resolve(JSON.parse(request.responseText) as Attachment)
      else reject(refusal(request.status, request.responseText))
    }
    request.onerror = () => reject(new ApiError(0, [{ code: 'E-NETWORK', message: '上传失败，请检查网络后重试' }]))
    request.send(form)
  })
}

/** The claim's attachment as a download (bearer header, so through a blob). */
export async function downloadAttachment(claimNo: string, id: number, name: string): Promise<void> {
  const response = await fetch(`${claimPath(ATTACHMENTS, claimNo)}/${id}`, { headers: authHeaders() })
  if (!response.ok) throw refusal(response.status, await response.text())
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** Han characters as the hub counts them (CJK unified and compatibility ideographs only). */
export function hanCount(text: string): number {
  const found = text.match(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2ebef}\u{2f800}-\u{2fa1f}\u{30000}-\u{323af}]/gu)
  return found ? found.length : 0
}

export const MIN_HAN = 20

export function humanSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)}M`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)}K`
  return `${bytes}B`
}

export interface RegisteredBuyer {
  reference: string
  code: string | null
  registration_serial: string | null
  status: string
  english_name: string
  country: string
  country_name: string
  address: string
}

/** 【放大镜】: the insurer's buyer list by 买方代码 or part of 买方英文名称. */
export function searchBuyers(query: { code?: string; name?: string }): Promise<{ total: number; items: DirectoryBuyer[] }> {
  return unwrap(portal.GET('/portal/v1/claims/buyers', { params: { query } }))
}

/** 新建买家信息: registered with the insurer; named by its reference until it has a code. */
export function createBuyer(body: { english_name: string; country: string; address: string }): Promise<RegisteredBuyer> {
  return unwrap(portal.POST('/portal/v1/claims/buyers', { body }))
}
