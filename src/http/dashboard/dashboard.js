// lef dashboard: plain DOM, no build step. Every value from the API goes in as text, never as HTML.
'use strict'

const token = new URLSearchParams(location.search).get('token') || ''
const PAID = new Set(['gift', 'superchat', 'toast', 'mvp', 'red-envelope-start'])
const COLORS = ['#2f6fed', '#ee1d52', '#1f9d55', '#d98a00', '#8b5cf6', '#0891b2', '#be185d', '#65a30d']
const MAX_FEED = 300
let roomsCache = []

async function api(path) {
  const res = await fetch(path, { headers: token ? { Authorization: 'Bearer ' + token } : {} })
  const body = await res.json().catch(() => ({ message: res.statusText }))
  if (!res.ok || !body.success) throw new Error(body.message || 'HTTP ' + res.status)
  return body.data
}

function el(tag, props, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) continue
    if (k === 'class') node.className = v
    else if (k === 'text') node.textContent = v
    else node.setAttribute(k, v)
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c))
  return node
}

const svgEl = (tag, attrs) => {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag)
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v))
  return node
}

function ago(ms) {
  if (!ms) return '—'
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000))
  if (s < 60) return s + ' s ago'
  if (s < 3600) return Math.floor(s / 60) + ' min ago'
  if (s < 86400) return Math.floor(s / 3600) + ' h ago'
  return Math.floor(s / 86400) + ' d ago'
}

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
const stamp = (ms) => new Date(ms).toLocaleString([], { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
const money = (n, cur) => (cur === 'USD' ? '$' : '¥') + n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const currencyOf = (platform) => (platform === 'tiktok' ? 'USD' : 'CNY')
const roomKey = (platform, room) => platform + ':' + room

/** The name an operator gave a room, for any event or stat row of it. */
function roomName(platform, room) {
  const r = roomsCache.find((x) => x.platform === platform && (x.key === room || (x.status && x.status.info && x.status.info.roomId === room)))
  return (r && (r.label || (r.status && r.status.info && r.status.info.username))) || roomKey(platform, room)
}

function stateClass(state) {
  if (state === 'connected') return 'pill ok'
  if (['resolving', 'signing', 'connecting', 'offline', 'idle'].includes(state)) return 'pill warn'
  if (['backoff', 'stopped', 'unassigned'].includes(state)) return 'pill bad'
  return 'pill'
}

// ---- Rooms ----------------------------------------------------------------------------------

async function loadRooms() {
  const [rooms, activity] = await Promise.all([api('/rooms'), api('/stats/activity?minutes=5')])
  roomsCache = rooms
  const tbody = document.querySelector('#rooms-table tbody')
  tbody.replaceChildren()
  for (const r of rooms) {
    const s = r.status || {}
    const info = s.info || {}
    const eventRoom = r.platform === 'bilibili' && info.roomId ? info.roomId : r.key
    const act = activity.find((a) => a.platform === r.platform && a.room === eventRoom)
    const last = Math.max(s.lastEventAt || 0, act ? act.lastEventAt : 0)
    const live = info.live === true ? el('span', { class: 'pill ok', text: 'live' }) : info.live === false ? el('span', { class: 'pill', text: 'offline' }) : '—'
    const node = r.holder ? (r.here ? 'this node' : r.holder) : '—'
    const problem = s.lastError ? s.lastError.code + ': ' + s.lastError.message : ''
    tbody.append(el('tr', { 'data-room': r.id },
      el('td', {}, el('div', { class: 'room-label', text: r.label || info.username || r.key }), el('div', { class: 'room-id', text: r.id + (r.onDemand ? ' · on demand' : '') })),
      el('td', {}, el('span', { class: 'platform ' + r.platform, text: r.platform })),
      el('td', {}, live),
      el('td', {}, el('span', { class: stateClass(r.connection), text: r.connection })),
      el('td', { class: 'muted', text: node }),
      el('td', { text: ago(last) }),
      el('td', { class: 'num', text: act ? String(act.perMinute) : '0' }),
      el('td', { class: 'num', text: String(s.reconnects || 0) }),
      el('td', { class: 'muted', text: problem }),
    ))
  }
  document.getElementById('rooms-empty').hidden = rooms.length > 0
  document.getElementById('rooms-updated').textContent = 'updated ' + clock(Date.now())
  fillRoomSelect(rooms)
}

// ---- Event rows (live feed and search) -------------------------------------------------------

function describe(e) {
  switch (e.type) {
    case 'gift': return (e.giftName || 'gift') + ' × ' + (e.giftAmount || 1)
    case 'superchat': return e.message || ''
    case 'toast': return (e.toastName || 'membership') + (e.toastAmount ? ' × ' + e.toastAmount + (e.toastAmountUnit || '') : '')
    case 'like-click': return 'liked' + (e.likeCount ? ' × ' + e.likeCount : '')
    case 'interaction': return e.action === 2 ? 'followed' : 'entered'
    default: return e.message || e.title || ''
  }
}

/** What an event cost in its platform's own currency, as the Paid totals count it (older events have only priceNormalized, in that currency). */
function originalPrice(e) {
  if (typeof e.priceOriginal === 'number') return money(e.priceOriginal, e.currencyOriginal || currencyOf(e.platform))
  return typeof e.priceNormalized === 'number' ? money(e.priceNormalized, e.currency || currencyOf(e.platform)) : ''
}

function eventRow(e) {
  const paid = PAID.has(e.type) && (e.type !== 'gift' || e.coinType !== 'silver')
  const value = paid ? originalPrice(e) : ''
  const t = e.timestampNormalized || e.timestamp
  return el('tr', { 'data-id': e.id },
    el('td', { class: 'muted', text: t ? stamp(t < 1e12 ? t * 1000 : t) : '' }),
    el('td', { text: roomName(e.platform, e.room) }),
    el('td', {}, el('span', { class: 'type' + (paid ? ' paid' : ''), text: e.type })),
    el('td', { text: e.username || (e.uid ? String(e.uid) : '') }),
    el('td', { class: 'content', text: describe(e) }),
    el('td', { class: 'num', text: value }),
  )
}

// ---- Live feed ------------------------------------------------------------------------------

let feed
let feedCount = 0

function startFeed() {
  if (feed) return
  const url = '/sse' + (token ? '?token=' + encodeURIComponent(token) : '')
  feed = new EventSource(url)
  const state = document.getElementById('live-state')
  feed.onopen = () => { state.textContent = 'connected'; state.className = 'pill ok' }
  feed.onerror = () => { state.textContent = 'reconnecting'; state.className = 'pill warn' }
  const onEvent = (m) => {
    let e
    try { e = JSON.parse(m.data) } catch { return }
    const tbody = document.querySelector('#live-table tbody')
    tbody.prepend(eventRow(e))
    while (tbody.children.length > MAX_FEED) tbody.lastChild.remove()
    feedCount++
    document.getElementById('live-count').textContent = feedCount + ' events since opened'
  }
  for (const type of window.LEF_EVENT_TYPES) feed.addEventListener(type, onEvent)
}

// ---- Paid -----------------------------------------------------------------------------------

async function loadPaid() {
  const data = await api('/stats/paid?hours=72')
  document.getElementById('paid-tz').textContent = 'days in ' + data.timeZone
  const charts = document.getElementById('paid-charts')
  charts.replaceChildren()
  for (const cur of ['CNY', 'USD']) {
    const rows = data.hours.filter((h) => h.currency === cur)
    if (rows.length > 0) charts.append(chart(cur, rows, data.since))
  }
  const tbody = document.querySelector('#paid-table tbody')
  tbody.replaceChildren()
  for (const d of data.days) {
    tbody.append(el('tr', {},
      el('td', { text: d.day }),
      el('td', { text: roomName(d.platform, d.room) }),
      el('td', { class: 'num', text: String(d.count) }),
      el('td', { class: 'num', text: money(d.total, d.currency) }),
    ))
  }
  document.getElementById('paid-empty').hidden = data.days.length > 0
}

/** Hourly bars for the last 72 h, stacked by room; one chart per currency (CNY and USD do not add up). */
function chart(currency, rows, since) {
  const HOURS = 72
  const W = 1000, H = 200, L = 56, B = 22, T = 8
  const rooms = [...new Set(rows.map((r) => roomKey(r.platform, r.room)))]
  const color = (k) => COLORS[rooms.indexOf(k) % COLORS.length]
  const perHour = Array.from({ length: HOURS }, () => [])
  for (const r of rows) {
    const i = Math.floor((r.hour - since) / 3600000)
    if (i >= 0 && i < HOURS) perHour[i].push(r)
  }
  const max = Math.max(...perHour.map((hs) => hs.reduce((a, r) => a + r.total, 0)), 0.01)
  const top = niceCeil(max)
  const bw = (W - L) / HOURS
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H + B + T}`, width: '100%', role: 'img', 'aria-label': 'paid per hour, ' + currency })
  for (const f of [0, 0.5, 1]) {
    const y = T + H - f * H
    svg.append(svgEl('line', { x1: L, x2: W, y1: y, y2: y, stroke: '#e3e6ec' }))
    const label = svgEl('text', { x: L - 6, y: y + 4, 'text-anchor': 'end' })
    label.textContent = money(top * f, currency)
    svg.append(label)
  }
  perHour.forEach((hs, i) => {
    let y = T + H
    for (const r of hs) {
      const h = (r.total / top) * H
      y -= h
      const rect = svgEl('rect', { x: L + i * bw + 1, y, width: Math.max(1, bw - 2), height: Math.max(h, 0.5), fill: color(roomKey(r.platform, r.room)) })
      const tip = svgEl('title')
      tip.textContent = roomName(r.platform, r.room) + ' · ' + stamp(r.hour) + ' · ' + money(r.total, currency)
      rect.append(tip)
      svg.append(rect)
    }
  })
  for (let i = 0; i <= HOURS; i += 12) {
    const x = L + i * bw
    svg.append(svgEl('line', { x1: x, x2: x, y1: T + H, y2: T + H + 4, stroke: '#b8bfcc' }))
    const label = svgEl('text', { x, y: T + H + 17, 'text-anchor': i === 0 ? 'start' : i === HOURS ? 'end' : 'middle' })
    label.textContent = stamp(since + i * 3600000)
    svg.append(label)
  }
  const total = rows.reduce((a, r) => a + r.total, 0)
  const legend = el('div', { class: 'legend' })
  for (const k of rooms) {
    const sum = rows.filter((r) => roomKey(r.platform, r.room) === k).reduce((a, r) => a + r.total, 0)
    const swatch = el('i')
    swatch.style.background = color(k)
    const [platform, ...rest] = k.split(':')
    legend.append(el('span', {}, swatch, roomName(platform, rest.join(':')) + ' ' + money(sum, currency)))
  }
  return el('div', { class: 'chart', 'data-currency': currency }, el('h4', { text: currency + ' per hour · total ' + money(total, currency) }), svg, legend)
}

function niceCeil(n) {
  const p = Math.pow(10, Math.floor(Math.log10(n)))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p
  return 10 * p
}

// ---- Search ---------------------------------------------------------------------------------

function fillRoomSelect(rooms) {
  const select = document.querySelector('#search-form select[name=room]')
  const current = select.value
  select.replaceChildren(el('option', { value: '', text: 'every room' }), ...rooms.map((r) => el('option', { value: r.id, text: (r.label ? r.label + ' · ' : '') + r.id })))
  select.value = current
}

async function runSearch(ev) {
  if (ev) ev.preventDefault()
  const form = new FormData(document.getElementById('search-form'))
  const q = new URLSearchParams()
  for (const [k, v] of form) if (String(v).trim() !== '') q.set(k, String(v).trim())
  q.set('limit', '200')
  const summary = document.getElementById('search-summary')
  summary.textContent = 'searching…'
  try {
    const events = await api('/events/search?' + q)
    document.querySelector('#search-table tbody').replaceChildren(...events.map(eventRow))
    summary.textContent = events.length + (events.length === 200 ? '+' : '') + ' events, newest first'
  } catch (err) {
    summary.textContent = 'Search failed: ' + err.message
  }
}

// ---- Views ----------------------------------------------------------------------------------

const loaders = { rooms: loadRooms, live: async () => startFeed(), paid: loadPaid, search: async () => {} }

function show() {
  const view = (location.hash || '#rooms').slice(1)
  const name = loaders[view] ? view : 'rooms'
  for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== 'view-' + name
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === name)
  document.body.dataset.view = name
  loaders[name]().then(() => { document.body.dataset.loaded = name }, (err) => { document.getElementById('meta').textContent = 'error: ' + err.message })
}

async function init() {
  const typeSelect = document.querySelector('#search-form select[name=types]')
  for (const t of window.LEF_EVENT_TYPES) typeSelect.append(el('option', { value: t, text: t }))
  document.getElementById('search-form').addEventListener('submit', runSearch)
  window.addEventListener('hashchange', show)
  try {
    const info = await api('/info')
    document.getElementById('meta').textContent = 'lef ' + info.version + ' · up since ' + stamp(info.connectedAt)
    roomsCache = await api('/rooms')
    fillRoomSelect(roomsCache)
  } catch (err) {
    document.getElementById('meta').textContent = 'error: ' + err.message
  }
  show()
  // The rooms view stays current on its own; other views reload when shown.
  setInterval(() => { if (document.body.dataset.view === 'rooms') loadRooms().catch(() => {}) }, 5000)
}

init()
