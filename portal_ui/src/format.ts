// Times shown to people are Beijing time, whatever the browser's own zone.
const beijing = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
})

export function beijingTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const parts = Object.fromEntries(beijing.formatToParts(new Date(iso)).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`
}

export function beijingDate(iso: string | null | undefined): string {
  return beijingTime(iso).slice(0, 10)
}
