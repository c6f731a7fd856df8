/*! b24-form-relay embed.js: keeps ad attribution across pages and fills relay and Contact Form 7 forms. MIT */
// Plain ES2017, no dependencies, served as is by GET /embed.js. Kept readable: it is gzipped on the wire.
(function () {
  'use strict'
  var script = document.currentScript || document.querySelector('script[src*="/embed.js"]')
  if (!script || window.__b24relay) return
  window.__b24relay = 1

  var KEY = 'b24relay_attr'
  var TAGS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'gclid', 'yclid', 'fbclid']
  // Relay forms post to <the directory embed.js came from>/f/…, so a relay behind a path prefix works too.
  var prefix = new URL('f/', new URL(script.src, location.href)).href
  var firstTouch = script.getAttribute('data-attribution') === 'first'
  var days = parseFloat(script.getAttribute('data-expiry-days'))
  if (!(days > 0)) days = 30
  var ajaxAll = script.hasAttribute('data-ajax')
  var visitedOn = script.getAttribute('data-visited') !== 'off'
  var ru = /^ru/i.test(document.documentElement.lang || navigator.language || '')
  var TEXT = ru
    ? {
        ok: 'Спасибо! Заявка отправлена.',
        fail: 'Не удалось отправить заявку. Попробуйте ещё раз.',
        required: 'Заполните это поле',
        invalid_email: 'Неверный адрес e-mail'
      }
    : {
        ok: 'Thank you! Your request has been sent.',
        fail: 'The request was not sent. Please try again.',
        required: 'This field is required',
        invalid_email: 'Not a valid e-mail address'
      }

  function cookie (name) {
    var m = document.cookie.match(new RegExp('(?:^|;\\s*)' + name + '=([^;]*)'))
    try { return m ? decodeURIComponent(m[1]) : null } catch (e) { return null }
  }

  // First-party storage: localStorage, else a cookie (storage blocked or throwing in private modes).
  function load () {
    var raw = null
    try { raw = localStorage.getItem(KEY) } catch (e) {}
    if (raw === null) raw = cookie(KEY)
    try {
      var rec = JSON.parse(raw)
      return rec && rec.exp > Date.now() && rec.d ? rec : null
    } catch (e) { return null }
  }

  function save (rec) {
    var text = JSON.stringify(rec)
    try { localStorage.setItem(KEY, text); return } catch (e) {}
    document.cookie = KEY + '=' + encodeURIComponent(text) + '; path=/; max-age=' + Math.round(days * 86400) +
      '; SameSite=Lax' + (location.protocol === 'https:' ? '; Secure' : '')
  }

  function hostOf (url) {
    try { return new URL(url).hostname } catch (e) { return '' }
  }

  // A touch is a landing with ad tags or from another site. Last-touch keeps the latest touch,
  // first-touch the earliest one until it expires; plain internal navigation never replaces either.
  function record () {
    var params = new URLSearchParams(location.search)
    var d = {}
    var tagged = false
    TAGS.forEach(function (k) {
      var v = params.get(k)
      if (v) { d[k] = v.slice(0, 500); tagged = true }
    })
    var ref = document.referrer
    var external = !!ref && hostOf(ref) !== location.hostname
    var stored = load()
    if (stored && (firstTouch || !(tagged || external))) return stored
    var now = Date.now()
    d.landing_url = location.href
    if (ref) d.referrer = ref
    d.landing_time = new Date(now).toISOString()
    var rec = { v: 1, t: now, exp: now + days * 864e5, d }
    save(rec)
    return rec
  }

  var touch = record()

  // The pages of this visit (a gap of 30 minutes starts a new one): origin and path only, since a query
  // or a fragment may hold what the visitor typed; the last 10, each title cut short, a few KB at most.
  var PAGES = 'b24relay_pages'
  function visited () {
    try {
      if (!visitedOn) { localStorage.removeItem(PAGES); return [] }
      var list = JSON.parse(localStorage.getItem(PAGES) || '[]')
      var now = Date.now()
      var last = list[list.length - 1]
      if (!last || now - last[2] > 18e5) list = []
      var url = (location.origin + location.pathname).slice(0, 300)
      if (last && last[0] === url) list.pop()
      list.push([url, document.title.slice(0, 150), now])
      list = list.slice(-10)
      localStorage.setItem(PAGES, JSON.stringify(list))
      return list
    } catch (e) { return [] }
  }
  var pages = []
  var seen = typeof WeakSet === 'function' ? new WeakSet() : null

  function actionOf (form) {
    try { return new URL(form.getAttribute('action') || '', document.baseURI).href } catch (e) { return '' }
  }

  function isRelay (form) {
    return actionOf(form).indexOf(prefix) === 0
  }

  // Adds a hidden field unless the page has one: an empty hidden input (a CF7 [hidden] tag) is filled,
  // anything else the page already holds is left as it is. `again` refreshes a value set by this script.
  function put (form, name, value, again) {
    if (value === undefined || value === null || value === '') return
    var el = form.elements.namedItem(name)
    if (el) {
      if (el.type === 'hidden' && (el.value === '' || (again && el.__b24relay))) { el.value = value; el.__b24relay = 1 }
      return
    }
    el = document.createElement('input')
    el.__b24relay = 1
    el.type = 'hidden'
    el.name = name
    el.value = value
    form.appendChild(el)
  }

  function prepare (form) {
    if (seen ? seen.has(form) : form.__b24relay) return
    var relay = isRelay(form)
    if (!relay && !(form.classList && form.classList.contains('wpcf7-form'))) return
    if (seen) seen.add(form); else form.__b24relay = 1
    var d = touch ? touch.d : {}
    TAGS.forEach(function (k) { put(form, k, d[k]) })
    put(form, 'page_url', location.href.split('#')[0])
    put(form, 'page_title', document.title)
    put(form, 'referrer', d.referrer)
    put(form, 'landing_url', d.landing_url)
    put(form, 'landing_time', d.landing_time)
    // The time the form was shown: the relay's minimum-fill-time spam check reads it.
    put(form, '_ts', String(Date.now()))
    if (relay && (ajaxAll || form.hasAttribute('data-relay-ajax')) && window.fetch && window.FormData) {
      form.addEventListener('submit', submit)
    }
  }

  // Read when the form is sent, not at landing: the site's tracker and analytics may start later.
  function sending (ev) {
    var form = ev.target
    if (!form || !(seen ? seen.has(form) : form.__b24relay)) return
    var trace = ''
    try { trace = window.b24Tracker.guest.getTrace() } catch (e) {}
    put(form, 'b24_trace', typeof trace === 'string' || trace == null ? trace : JSON.stringify(trace), 1)
    put(form, 'ga_client_id', (cookie('_ga') || '').replace(/^GA\d+\.\d+\./, ''), 1)
    put(form, 'ym_client_id', cookie('_ym_uid'), 1)
    put(form, 'roistat_visit', cookie('roistat_visit'), 1)
    var now = Date.now()
    if (pages.length) {
      put(form, 'visited_pages', JSON.stringify(pages.map(function (p) { return [p[0], p[1], Math.round((now - p[2]) / 1e3)] })), 1)
    }
  }

  function scan () {
    for (var i = 0; i < document.forms.length; i++) prepare(document.forms[i])
  }

  function note (cls, text, role) {
    var el = document.createElement('div')
    el.className = cls
    el.setAttribute('role', role)
    el.textContent = text
    return el
  }

  function clear (form) {
    var old = form.querySelectorAll('.b24r-error, .b24r-message')
    for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i])
    var bad = form.querySelectorAll('[aria-invalid="true"]')
    for (var j = 0; j < bad.length; j++) bad[j].removeAttribute('aria-invalid')
  }

  function emit (form, type, detail) {
    form.dispatchEvent(new CustomEvent('b24relay:' + type, { bubbles: true, detail }))
  }

  function done (form, data) {
    var box = note('b24r-success', form.getAttribute('data-relay-success') || TEXT.ok, 'status')
    form.parentNode.insertBefore(box, form)
    form.hidden = true
    emit(form, 'success', data)
  }

  function failed (form, error) {
    var fields = (error && error.fields) || {}
    var first = null
    Object.keys(fields).forEach(function (name) {
      var el = form.elements.namedItem(name)
      if (el && !el.tagName) el = el[0]
      if (!el || !el.tagName) return
      el.setAttribute('aria-invalid', 'true')
      var problem = String(fields[name])
      var msg = note('b24r-error', Object.prototype.hasOwnProperty.call(TEXT, problem) ? TEXT[problem] : problem, 'alert')
      msg.setAttribute('data-for', name)
      el.insertAdjacentElement('afterend', msg)
      if (!first) first = el
    })
    if (first) first.focus()
    else form.insertBefore(note('b24r-message', (error && error.message) || TEXT.fail, 'alert'), form.firstChild)
    emit(form, 'error', error)
  }

  function submit (ev) {
    var form = ev.currentTarget
    if (ev.defaultPrevented) return
    ev.preventDefault()
    if (form.getAttribute('aria-busy') === 'true') return
    form.setAttribute('aria-busy', 'true')
    clear(form)
    fetch(actionOf(form), { method: 'POST', body: new FormData(form), headers: { Accept: 'application/json' }, credentials: 'omit' })
      .then(function (res) {
        return res.json().then(function (data) {
          form.removeAttribute('aria-busy')
          if (res.ok && data && data.ok) done(form, data)
          else failed(form, data && data.error)
        }, function () {
          form.removeAttribute('aria-busy')
          failed(form, null)
        })
      }, function () {
        // No answer could be read (offline, or a relay that does not allow this origin): the plain
        // post still works, and the relay counts a repeated identical submission once.
        form.removeAttribute('aria-busy')
        HTMLFormElement.prototype.submit.call(form)
      })
  }

  // Forms added later (pop-ups, page builders) are prepared when they appear. Observing starts only
  // after parsing, so a form is never prepared before its own fields are there.
  function start () {
    pages = visited()
    document.addEventListener('submit', sending, true)
    scan()
    if (window.MutationObserver) new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true })
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
