// The dashboard's script, served as /dashboard/app.js: no framework, no build step. It follows
// /admin/events (server-sent events: the timeline once, then a sample and the status every
// second, the history on every change) and draws three small SVG charts by hand.
// Plain ES2020 in a string: no backticks and no template placeholders inside.

export const SCRIPT = String.raw`(function () {
  'use strict'
  var COLOURS = ['blue', 'green']
  var WINDOW_MS = 5 * 60 * 1000
  var MIN_SPAN_MS = 60 * 1000
  var TOKEN_KEY = 'switchyard-admin-token'
  var SVG = 'http://www.w3.org/2000/svg'
  var tokenRequired = document.body.dataset.tokenRequired === 'true'
  var model = { status: null, statusAt: 0, samples: [], connected: false, lost: false, pending: null }

  function $ (id) { return document.getElementById(id) }
  function field (root, name) { return root.querySelector('[data-field="' + name + '"]') }
  function other (colour) { return colour === 'blue' ? 'green' : 'blue' }
  function svg (tag, attrs, text) {
    var node = document.createElementNS(SVG, tag)
    for (var key in attrs) node.setAttribute(key, String(attrs[key]))
    if (text !== undefined) node.textContent = text
    return node
  }

  function duration (ms) {
    var s = Math.max(0, Math.ceil(ms / 1000))
    var h = Math.floor(s / 3600)
    var m = Math.floor((s % 3600) / 60)
    var rest = String(s % 60).padStart(2, '0')
    return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + rest : m + ':' + rest
  }
  function clock (iso) {
    var d = new Date(iso)
    return isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour12: false })
  }
  function percent (r) {
    if (r === null || r === undefined) return '–'
    var p = r * 100
    return (p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)) + '%'
  }
  function millis (ms) {
    if (ms === null || ms === undefined) return '–'
    if (ms === 0) return '0'
    if (ms >= 1000) return (ms / 1000).toFixed(ms >= 10000 ? 0 : 1) + ' s'
    return (ms < 10 ? ms.toFixed(1) : Math.round(ms)) + ' ms'
  }
  function rate (v) {
    if (v === null || v === undefined) return '–'
    return v < 10 && v % 1 !== 0 ? v.toFixed(1) : String(Math.round(v))
  }

  // ---- the banner, the cards, the alert ---------------------------------------------------
  function renderStatus () {
    var s = model.status
    if (s === null) return
    var banner = $('banner')
    banner.dataset.active = s.active
    $('active').textContent = s.active
    var meta = 'version ' + s.version + ' · since ' + clock(s.changedAt) + ' · by ' + s.by
    if (s.reason) meta += ' · ' + s.reason
    $('meta').textContent = meta
    renderPhase()

    var sw = $('switch')
    sw.textContent = 'Switch to ' + other(s.active)
    sw.dataset.to = other(s.active)
    sw.disabled = !model.connected
    var rb = $('rollback')
    rb.textContent = s.previous === null ? 'Roll back' : 'Roll back to ' + s.previous
    rb.disabled = !model.connected || s.previous === null

    COLOURS.forEach(function (colour) {
      var card = $('card-' + colour)
      var u = s.upstreams[colour]
      var live = colour === s.active
      card.dataset.live = String(live)
      card.dataset.failed = String(colour === s.failed)
      var role = live ? 'live' : colour === s.previous ? (s.phase === 'baking' ? 'previous · warm' : 'previous') : 'standby'
      if (colour === s.failed) role = 'failed · ' + role
      field(card, 'role').textContent = role
      var health = field(card, 'health')
      health.dataset.healthy = String(u.healthy === null ? 'unknown' : u.healthy)
      health.textContent = u.healthy === null ? 'unknown' : u.healthy ? 'healthy' : 'unhealthy'
      field(card, 'url').textContent = u.url
      field(card, 'inflight').textContent = String(u.inflight)
      field(card, 'probe').textContent = (u.latencyMs === null ? '–' : millis(u.latencyMs)) + (u.lastError ? ' · ' + u.lastError : '') +
        (u.lastProbeAt ? ' · ' + clock(u.lastProbeAt) : '')
      var w = s.guard && s.guard.windows ? s.guard.windows[colour] : null
      field(card, 'window').textContent = w ? w.requests + ' requests · ' + percent(w.requests ? w.errorRate : null) + ' errors · p99 ' + millis(w.p99Ms) : '–'
    })

    var alerts = []
    if (s.upstreams[s.active].healthy === false) alerts.push('The live colour ' + s.active + ' is failing its health probe: ' + (s.upstreams[s.active].lastError || 'no detail'))
    var trip = s.guard ? s.guard.lastTrip : null
    if (trip && trip.rolledBack && s.failed === trip.colour) alerts.push('The guard rolled back ' + trip.colour + ' at ' + clock(trip.at) + ': ' + trip.reason)
    if (trip && !trip.rolledBack && s.active === trip.colour) alerts.push('The guard tripped on ' + trip.colour + ' at ' + clock(trip.at) + ' but did not roll back: ' + (trip.blockedBy || trip.reason))
    var alert = $('alert')
    alert.hidden = alerts.length === 0
    alert.textContent = alerts.join(' — ')
  }

  function renderPhase () {
    var s = model.status
    if (!model.connected) {
      $('phase').textContent = model.lost ? 'Disconnected: retrying…' : 'Connecting…'
      $('bake').hidden = true
      return
    }
    if (s === null) return
    var left = s.guard ? s.guard.bakeRemainingMs - (performance.now() - model.statusAt) : 0
    var baking = s.phase === 'baking' && left > 0
    $('phase').textContent = baking ? 'Baking · ' + duration(left) + ' left' : 'Stable'
    $('bake').hidden = !baking
    if (baking) {
      var total = Date.parse(s.bakeUntil) - Date.parse(s.changedAt)
      $('bake-bar').style.width = (total > 0 ? Math.min(100, Math.max(0, 100 * (1 - left / total))) : 100) + '%'
    }
  }

  function renderHistory (h) {
    var body = $('history')
    body.textContent = ''
    h.entries.forEach(function (e) {
      var row = document.createElement('tr')
      var change = e.kind === 'init' ? 'start on ' + e.to : e.kind + ' ' + (e.from || '') + ' → ' + e.to
      var cells = [String(e.version), clock(e.at), change, e.actor && e.actor !== e.by ? e.by + ' (' + e.actor + ')' : e.by, e.reason]
      cells.forEach(function (text, i) {
        var td = document.createElement('td')
        td.textContent = text
        if (i === 2) td.className = 'to-' + e.to
        row.appendChild(td)
      })
      body.appendChild(row)
    })
  }

  // ---- charts -------------------------------------------------------------------------------
  var CHARTS = [
    { id: 'rps', pick: function (p) { return p.rps }, floor: 1, format: rate, unit: ' /s' },
    { id: 'errors', pick: function (p) { return p.errorRate }, floor: 0.05, ceiling: 1, format: percent, unit: '' },
    { id: 'p99', pick: function (p) { return p.p99Ms }, floor: 10, format: millis, unit: '' }
  ]

  function nice (v) {
    var p = Math.pow(10, Math.floor(Math.log10(v)))
    var m = v / p
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p
  }

  function drawChart (c) {
    var fig = $('chart-' + c.id)
    var box = fig.querySelector('svg')
    var w = Math.max(200, box.clientWidth)
    var h = Math.max(100, box.clientHeight)
    var left = 52; var right = 8; var top = 8; var bottom = 18
    var samples = model.samples
    var end = samples.length > 0 ? samples[samples.length - 1].t : Date.now()
    // The last five minutes; while there are fewer, what there is, but at least a minute.
    var span = samples.length > 0 ? Math.min(WINDOW_MS, Math.max(MIN_SPAN_MS, end - samples[0].t)) : MIN_SPAN_MS
    var start = end - span
    var max = c.floor
    samples.forEach(function (s) {
      COLOURS.forEach(function (colour) { var v = c.pick(s[colour]); if (v !== null && v > max) max = v })
    })
    max = nice(max)
    if (c.ceiling !== undefined) max = Math.min(max, c.ceiling)
    function x (t) { return (left + ((t - start) / span) * (w - left - right)).toFixed(1) }
    function y (v) { return (top + (1 - v / max) * (h - top - bottom)).toFixed(1) }

    box.textContent = ''
    box.setAttribute('viewBox', '0 0 ' + w + ' ' + h)
    ;[0, 0.5, 1].forEach(function (f) {
      var v = max * f
      box.appendChild(svg('line', { class: 'grid', x1: left, x2: w - right, y1: y(v), y2: y(v) }))
      box.appendChild(svg('text', { x: left - 6, y: Number(y(v)) + 4, 'text-anchor': 'end' }, c.format(v)))
    })
    box.appendChild(svg('text', { x: left, y: h - 4 }, span >= 120000 ? '−' + Math.round(span / 60000) + ' min' : '−' + Math.round(span / 1000) + ' s'))
    box.appendChild(svg('text', { x: w - right, y: h - 4, 'text-anchor': 'end' }, 'now'))
    for (var i = 1; i < samples.length; i++) {
      if (samples[i].active !== samples[i - 1].active) {
        box.appendChild(svg('line', { class: 'switch ' + samples[i].active, x1: x(samples[i].t), x2: x(samples[i].t), y1: top, y2: h - bottom }))
      }
    }
    COLOURS.forEach(function (colour) {
      var d = ''
      var pen = 'M'
      samples.forEach(function (s) {
        if (s.t < start) return
        var v = c.pick(s[colour])
        if (v === null) { pen = 'M'; return }
        d += pen + x(s.t) + ' ' + y(Math.min(v, max)) + ' '
        pen = 'L'
      })
      if (d !== '') box.appendChild(svg('path', { class: 'line ' + colour, d: d }))
    })

    var last = samples[samples.length - 1]
    var now = field(fig, 'now')
    now.textContent = ''
    fig.dataset.samples = String(samples.length)
    COLOURS.forEach(function (colour) {
      var v = last ? c.pick(last[colour]) : null
      fig.dataset[colour] = v === null ? '' : String(v)
      var span = document.createElement('span')
      span.className = colour
      span.textContent = colour + ' ' + c.format(v) + (v === null ? '' : c.unit)
      now.appendChild(span)
    })
  }

  function drawCharts () { CHARTS.forEach(drawChart) }

  // ---- the live feed ------------------------------------------------------------------------
  function setConnected (connected) {
    model.connected = connected
    $('banner').dataset.connected = String(connected)
    var c = $('connection')
    c.dataset.connected = String(connected)
    c.textContent = connected ? 'live' : 'disconnected: retrying…'
    $('live-label').textContent = connected || model.status === null ? 'live' : 'last seen live'
    if (!connected) model.lost = true
    renderStatus()
    renderPhase()
  }

  function connect () {
    var events = new EventSource('/admin/events')
    events.addEventListener('open', function () { setConnected(true) })
    events.addEventListener('error', function () {
      setConnected(false)
      // The browser retries by itself, except after an answer that is not an event stream.
      if (events.readyState === EventSource.CLOSED) setTimeout(connect, 3000)
    })
    events.addEventListener('timeline', function (e) { model.samples = JSON.parse(e.data).samples; drawCharts() })
    events.addEventListener('sample', function (e) {
      model.samples.push(JSON.parse(e.data))
      var cut = model.samples[model.samples.length - 1].t - WINDOW_MS
      while (model.samples.length > 0 && model.samples[0].t < cut) model.samples.shift()
      drawCharts()
    })
    events.addEventListener('status', function (e) {
      model.status = JSON.parse(e.data)
      model.statusAt = performance.now()
      if (!model.connected) setConnected(true)
      else renderStatus()
    })
    events.addEventListener('history', function (e) { renderHistory(JSON.parse(e.data)) })
  }

  // ---- switch and roll back -----------------------------------------------------------------
  function showError (text) {
    var e = $('confirm-error')
    e.hidden = text === ''
    e.textContent = text
  }

  function ask (kind) {
    var s = model.status
    if (s === null) return
    var to = kind === 'switch' ? other(s.active) : s.previous
    if (to === null) return
    model.pending = { kind: kind, to: to, expectedVersion: s.version }
    $('confirm-title').textContent = (kind === 'switch' ? 'Switch live traffic to ' : 'Roll back to ') + to + '?'
    $('confirm-text').textContent = 'Live now: ' + s.active + ' (version ' + s.version + '). New requests go to ' + to + ' at once' +
      (kind === 'switch' ? '; ' + s.active + ' stays warm for the bake.' : '.')
    $('confirm-reason').value = ''
    $('confirm-reason').placeholder = defaultReason(model.pending)
    $('token-label').hidden = !tokenRequired
    $('confirm-token').value = sessionStorage.getItem(TOKEN_KEY) || ''
    $('confirm-go').disabled = false
    showError('')
    $('confirm').showModal()
    $(tokenRequired && $('confirm-token').value === '' ? 'confirm-token' : 'confirm-reason').focus()
  }

  function defaultReason (p) {
    return (p.kind === 'switch' ? 'switch to ' : 'rollback to ') + p.to + ' from the dashboard'
  }

  async function go () {
    var p = model.pending
    if (p === null) return
    var reason = $('confirm-reason').value.trim()
    var body = { reason: reason || defaultReason(p), expectedVersion: p.expectedVersion }
    if (p.kind === 'switch') body.to = p.to
    var headers = { 'content-type': 'application/json' }
    var token = $('confirm-token').value.trim()
    if (tokenRequired) {
      if (token === '') { showError('This switchyard needs its admin token.'); $('confirm-token').focus(); return }
      headers.authorization = 'Bearer ' + token
    }
    $('confirm-go').disabled = true
    var res, answer
    try {
      res = await fetch('/admin/' + p.kind, { method: 'POST', headers: headers, body: JSON.stringify(body) })
      answer = await res.json()
    } catch (err) {
      $('confirm-go').disabled = false
      return showError('Could not reach switchyard: ' + err.message)
    }
    $('confirm-go').disabled = false
    if (res.ok) {
      if (tokenRequired) sessionStorage.setItem(TOKEN_KEY, token)
      model.pending = null
      $('confirm').close()
      return
    }
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY)
      showError('The token was refused.')
      $('confirm-token').focus()
    } else if (answer && answer.error === 'SW_ERR_VERSION_CONFLICT') {
      showError('The state changed since this opened. Cancel and look again.')
    } else {
      showError((answer && answer.message) || 'switchyard answered ' + res.status)
    }
  }

  $('switch').addEventListener('click', function () { ask('switch') })
  $('rollback').addEventListener('click', function () { ask('rollback') })
  $('confirm-cancel').addEventListener('click', function () { model.pending = null; $('confirm').close() })
  $('confirm-form').addEventListener('submit', function (e) { e.preventDefault(); go() })
  window.addEventListener('resize', drawCharts)
  setInterval(renderPhase, 250)
  drawCharts()
  connect()
})()
`
