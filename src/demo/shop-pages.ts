/**
 * The demo shop's HTML: a landing page, product pages whose form posts to the relay, a WordPress-like
 * page with a Contact Form 7 form, a thank-you page and a page listing the emulated portal's leads.
 */
import { escapeHtml as e } from '../http/pages.ts'
import { PRODUCTS, type Product } from './catalog.ts'
import { CF7_FORM_ID, CF7_TAGS } from './wordpress.ts'

export interface PageContext {
  /** The relay's base URL: embed.js and the form actions point there. */
  relayUrl: string
  /** The relay form the product pages post to. */
  shopFormId: string
}

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}' +
  'nav a{margin-right:1rem}label{display:block;margin:.6rem 0 .2rem}' +
  'input,select,textarea{font:inherit;width:100%;max-width:28rem;padding:.3rem}' +
  'input[type=checkbox]{width:auto}button{font:inherit;margin-top:1rem;padding:.4rem 1.2rem}' +
  '.card{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:.6rem 0}' +
  '.note{background:#f4f6f8;padding:.6rem 1rem;border-radius:6px;font-size:.9rem}.b24r-error{color:#b00020;font-size:.9rem}' +
  'table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ddd;padding:.3rem;vertical-align:top;text-align:left}' +
  'pre{margin:0;white-space:pre-wrap}'

function layout (ctx: PageContext, title: string, body: string, extraHead = ''): string {
  const nav = '<nav><a href="/">Главная</a>' +
    `<a href="/wp/${PRODUCTS[0]?.slug ?? ''}/">Вопрос о товаре (Contact Form 7)</a><a href="/leads">Лиды в «Битрикс24»</a></nav>`
  return `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title><style>${STYLE}</style>
<script src="${e(ctx.relayUrl)}/embed.js" defer></script>${extraHead}
</head><body>
${nav}
${body}
</body></html>`
}

export function landingPage (ctx: PageContext): string {
  const cards = PRODUCTS.map((p) =>
    `<div class="card"><a href="/product/${e(p.slug)}">${e(p.name)}</a> — ${e(p.price)}<br><small>${e(p.blurb)}</small></div>`).join('\n')
  return layout(ctx, 'Весенняя распродажа — Демо-магазин', `<h1>Весенняя распродажа</h1>
<p>Откройте эту страницу с метками, например <code>/?utm_source=yandex&amp;utm_campaign=spring</code>, перейдите к товару и
оставьте заявку: метки доедут до лида, хотя на странице товара их уже нет в адресе.</p>
${cards}
<p class="note">Сохранённая атрибуция (embed.js, localStorage): <code id="attribution">—</code></p>
<script>document.addEventListener('DOMContentLoaded',function(){var r=null;try{r=localStorage.getItem('b24relay_attr')}catch(x){}
if(r)document.getElementById('attribution').textContent=JSON.stringify(JSON.parse(r).d)})</script>`)
}

/** `ajax`: the form is sent with fetch (data-relay-ajax) and the answer shown in place. */
export function productPage (ctx: PageContext, product: Product, ajax = false): string {
  const how = ajax
    ? '<p class="note">Эта форма отправляется через fetch (<code>data-relay-ajax</code>): ответ relay появится на месте формы.</p>'
    : ''
  const ajaxAttributes = ajax ? ' data-relay-ajax data-relay-success="Спасибо! Заявка принята, менеджер перезвонит."' : ''
  return layout(ctx, `${product.name} — Демо-магазин`, `<h1>${e(product.name)}</h1>
<p>${e(product.blurb)} Цена: <b>${e(product.price)}</b></p>
<h2>Заказать</h2>${how}
<form id="order" method="post" action="${e(ctx.relayUrl)}/f/${e(ctx.shopFormId)}"${ajaxAttributes}>
<label for="name">Имя</label><input id="name" name="name" required>
<label for="phone">Телефон</label><input id="phone" name="phone" type="tel" required>
<label for="email">E-mail</label><input id="email" name="email" type="email">
<label for="message">Комментарий</label><textarea id="message" name="message" rows="3"></textarea>
<button type="submit">Отправить заявку</button>
</form>
<p class="note">Форма отправляется прямо в relay. embed.js добавил к ней скрытые поля: метки, адрес и заголовок
страницы, время показа формы. Без JavaScript форма тоже работает.</p>`)
}

export interface Cf7PageState {
  /** The result of the previous post, shown like CF7's response output. */
  status?: 'sent' | 'failed' | 'invalid'
}

const CF7_MESSAGES = {
  sent: 'Спасибо за Ваше сообщение. Оно успешно отправлено.',
  failed: 'При отправке сообщения произошла ошибка. Пожалуйста, попробуйте ещё раз позже.',
  invalid: 'Одно или несколько полей содержат ошибочные данные. Пожалуйста, проверьте их и попробуйте ещё раз.'
}

/** A product post with a CF7 form, in CF7's markup (wrapper, hidden _wpcf7 fields, control classes). */
export function cf7Page (ctx: PageContext, product: Product, postId: number, state: Cf7PageState = {}): string {
  const unit = `wpcf7-f${CF7_FORM_ID}-p${postId}-o1`
  const hidden = CF7_TAGS.filter((t) => t.type === 'hidden')
    .map((t) => `<input type="hidden" name="${e(t.name)}" value="" class="wpcf7-form-control wpcf7-hidden">`).join('\n')
  const output = state.status !== undefined
    ? `<div class="wpcf7-response-output" role="status">${e(CF7_MESSAGES[state.status])}</div>`
    : ''
  // CF7's classes on a required control, and the options of the drop-down, as CF7 renders them.
  const required = (kind: string): string => `wpcf7-form-control wpcf7-${kind} wpcf7-validates-as-required`
  const options = ['Консультация', 'Доставка', 'Гарантия'].map((o) => `<option value="${o}">${o}</option>`).join('')
  return layout(ctx, `${product.name} — Блог магазина`, `<article><h1>${e(product.name)}</h1>
<p>Обзор товара в блоге на WordPress. Ниже — форма Contact Form 7; плагин «CF7 to Webhook» пересылает её в relay.</p>
<div class="wpcf7 no-js" id="${unit}" lang="ru-RU" dir="ltr">
<form action="/wp/${e(product.slug)}/#${unit}" method="post" class="wpcf7-form init" aria-label="Контактная форма" novalidate="novalidate">
<div style="display: none;">
<input type="hidden" name="_wpcf7" value="${CF7_FORM_ID}">
<input type="hidden" name="_wpcf7_version" value="6.0.6">
<input type="hidden" name="_wpcf7_locale" value="ru_RU">
<input type="hidden" name="_wpcf7_unit_tag" value="${unit}">
<input type="hidden" name="_wpcf7_container_post" value="${postId}">
<input type="hidden" name="_wpcf7_posted_data_hash" value="">
</div>
<label>Ваше имя<input type="text" name="your-name" class="${required('text')}" aria-required="true"></label>
<label>Ваш e-mail<input type="email" name="your-email" class="${required('email')}" aria-required="true"></label>
<label>Телефон<input type="tel" name="tel-417" class="wpcf7-form-control wpcf7-tel"></label>
<label>Что интересует<select name="menu-802" class="wpcf7-form-control wpcf7-select">${options}</select></label>
<span class="wpcf7-form-control wpcf7-checkbox"><label><input type="checkbox" name="checkbox-55[]" value="Перезвонить"> Перезвонить</label>
<label><input type="checkbox" name="checkbox-55[]" value="Написать в Telegram"> Написать в Telegram</label></span>
<label>Тема<input type="text" name="your-subject" class="wpcf7-form-control wpcf7-text"></label>
<label>Сообщение<textarea name="your-message" rows="4" class="wpcf7-form-control wpcf7-textarea"></textarea></label>
${hidden}
<button type="submit" class="wpcf7-form-control wpcf7-submit">Отправить</button>
${output}
</form></div></article>`)
}

export function thanksPage (ctx: PageContext): string {
  return layout(ctx, 'Спасибо — Демо-магазин', `<h1>Спасибо!</h1>
<p>Заявка принята relay и уже в очереди на доставку в «Битрикс24». Посмотрите её на странице <a href="/leads">лидов</a>.</p>`)
}

// A backslash at the end of a line continues that line: the script's text has no line break there.
const LEADS_SCRIPT = `
var COLS=['ID','TITLE','NAME','PHONE','EMAIL','UTM_SOURCE','UTM_MEDIUM','UTM_CAMPAIGN',\
'UF_CRM_PRODUCT_URL','UF_CRM_PRODUCT_NAME','TRACE','COMMENTS'];
function text(v){if(v==null)return'';\
if(Array.isArray(v))return v.map(function(x){return x&&x.VALUE!==undefined?x.VALUE:String(x)}).join(', ');return String(v)}
function html(v){return String(v).split('<br>').join('\\n')
.replace(/&lt;/g,'<').replace(/&gt;/g,'>').replace(/&quot;/g,'"').replace(/&#39;/g,"'").replace(/&amp;/g,'&')}
function render(leads){var body=document.getElementById('leads');body.textContent='';
leads.slice().reverse().forEach(function(l){var tr=document.createElement('tr');tr.setAttribute('data-lead-id',String(l.ID));
COLS.forEach(function(c){var td=document.createElement('td');var pre=document.createElement('pre');\
pre.textContent=c==='COMMENTS'?html(text(l.fields[c])):text(c==='ID'?l.ID:l.fields[c]);\
td.appendChild(pre);tr.appendChild(td)});body.appendChild(tr)});
document.getElementById('count').textContent=String(leads.length)}
function poll(){fetch('/api/leads').then(function(r){return r.json()}).then(render,function(){}).then(function(){setTimeout(poll,1000)})}
document.addEventListener('DOMContentLoaded',function(){var h=document.getElementById('head');\
COLS.forEach(function(c){var th=document.createElement('th');th.textContent=c;h.appendChild(th)});poll()});`

// The operator's side: break the emulated portal, watch the relay hold leads, mend it, watch them arrive.
const PORTAL_SCRIPT = `
var STATE={ok:'работает',revoked:'вебхук отозван',failing:'отвечает 503',slow:'отвечает медленно (3 с)'};
function portal(){fetch('/api/portal').then(function(r){return r.json()}).then(function(p){
document.getElementById('portal-state').textContent=STATE[p.state]||p.state;
document.getElementById('relay-state').textContent=p.relay||'—';
document.getElementById('waiting').textContent=String(p.waiting==null?'—':p.waiting)},function(){})
.then(function(){setTimeout(portal,1000)})}
document.addEventListener('DOMContentLoaded',function(){
Array.prototype.forEach.call(document.querySelectorAll('button[data-action]'),function(b){
b.addEventListener('click',function(){fetch('/api/portal/'+b.getAttribute('data-action'),{method:'POST'})})});portal()});`

/**
 * Polls the shop's /api/leads (the emulator's list, fetched server-side) once a second. COMMENTS is
 * shown as a lead card shows it: its HTML line breaks as lines, its escaped markup as the characters.
 */
export function leadsPage (ctx: PageContext, emulatorUrl: string): string {
  return layout(ctx, 'Лиды в эмулированном Битрикс24', `<h1>Лиды в эмулированном «Битрикс24»</h1>
<section class="note" id="portal-controls"><b>Сломайте портал</b> и посмотрите, как relay держит заявки и доставляет их после починки.
Портал: <b id="portal-state">…</b>; relay видит его как <b id="relay-state">…</b>; ждут доставки: <b id="waiting">…</b>.<br>
<button type="button" data-action="revoke">Отозвать вебхук</button>
<button type="button" data-action="fail">Ответы 503</button>
<button type="button" data-action="slow">Медленные ответы</button>
<button type="button" data-action="mend">Починить</button><br>
Что видит оператор: <a href="${e(ctx.relayUrl)}/status" target="_blank">страница состояния relay</a>
(войдите по ссылке, которую напечатал <code>npm run demo</code>).</section>
<p>Обновляется каждую секунду. Всего: <b id="count">0</b>. Источник: <code>${e(emulatorUrl)}/_emulator/leads</code></p>
<table><thead><tr id="head"></tr></thead><tbody id="leads"></tbody></table>`,
  `<script>${LEADS_SCRIPT}</script><script>${PORTAL_SCRIPT}</script>`)
}
