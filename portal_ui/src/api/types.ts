// The answers' shapes, as the hub's routes return them (the OpenAPI document types the
// routes, parameters and request bodies; the answers are described here).
export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

export interface Seal {
  seal_id: string
  name: string
  seal_type: string
  valid_from: string
  valid_until: string
  usable: boolean
  expired: boolean
}

export interface Agreement {
  agreement_no: string
  uscc: string
  enterprise_name: string
  status: string
  signer_name: string
  seal_id: string
  signed_at: string
  stamped_at: string | null
  refusal_reason: string | null
  termination_requested_at: string | null
  terminated_at: string | null
  termination_reason: string | null
  can_view: boolean
  can_terminate: boolean
  can_view_process: boolean
}

export interface ProcessStep {
  at: string
  step: string
  event: string
  status: string | null
  reason: string | null
  by: string | null
}

export interface Process {
  status: string
  steps: ProcessStep[]
}

export interface Authorization {
  authorized: boolean
  authorization: null | {
    authorization_no: string
    authorized_by: string
    authorized_at: string
    data_types: string
  }
}

export interface AuthorizedData {
  data_type: string
  data_type_name: string
  total: number
  items: Record<string, string>[]
}

export interface Statistics {
  data_type_name: string
  frequency: string
  labels: string[]
  series: { name: string; values: (number | string)[] }[]
  table: { period: string; count: number; amount_usd: string }[]
  total: { count: number; amount_usd: string }
}

export interface SummaryItem {
  name: string
  count: number
  status?: string
  receipt_status?: string
}

export interface Step {
  step: number
  name: string
  state: 'done' | 'current' | 'todo'
}

export interface Application {
  offer_no: string
  application_no: string | null
  insurer_name: string
  insurer_code: string
  enterprise_name: string
  uscc: string
  org_code: string
  product_name: string
  coverage_start: string
  coverage_end: string
  max_liability: string
  currency: string
  offered_at_beijing: string
  status: string
  step: number
  step_name: string
  contact_name: string | null
  contact_mobile: string | null
  contact_email: string | null
  submitted_at_beijing: string
  return_reason: string | null
  policy_no: string | null
  policy_start: string | null
  policy_end: string | null
  policy_issued_at_beijing: string
  policy_status: string | null
  receipt_status: string | null
  acknowledged_at_beijing: string
  can_apply: boolean
  can_acknowledge: boolean
  steps?: Step[]
}

export interface ApplicationForm {
  offer_no: string
  read_only: Record<string, string>
  fields: string[]
  declaration: string
  can_apply: boolean
  steps: Step[]
}

export interface InquiryForm {
  insurer_name: string
  company_name: string
  inquiry_content: string
  inquiry_contents: { code: string; name: string; needs_detail: boolean }[]
  required: string[]
}

export interface Inquiry {
  serial_no: string
  insurer_name: string
  company_name: string
  contact_name: string
  contact_mobile: string
  contact_email: string
  inquiry_content: string
  inquiry_content_name?: string
  status: string
  reply?: string | null
  submitted_at?: string
  submitted_at_beijing?: string
  [key: string]: unknown
}

export interface Region {
  code: string
  name: string
  level: string
  has_children: boolean
}
