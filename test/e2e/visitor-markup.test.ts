/**
 * BB-code and HTML a visitor types reach Bitrix24 as text: over real HTTP to the relay, through the
 * delivery worker to the emulated portal, COMMENTS, the timeline comment and the TITLE hold no tag
 * that could render, link or load, and a reader (COMMENTS decoded as the lead card shows it) sees
 * exactly the characters typed, on their own lines.
 */
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { commentsToText } from '../../src/mapping/rich-text.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { waitFor } from '../helpers/wait-for.ts'

const BB_LINK = '[url=javascript:alert(2)]click[/url]'
const BB_IMAGE = '[img]http://evil.example/x.png[/img]'
const HTML_IMAGE = '<img src=x onerror=alert(1)>'
const MESSAGE = `Line one ${BB_LINK}\nLine two ${BB_IMAGE}\nLine three ${HTML_IMAGE} & [b]bold[/b]`

/** Would any BB-code or HTML tag start here? (A zero-width space after "[" or "<" stops both.) */
const OPENS_TAG = /\[\/?[a-z*]|<\/?[a-z!?]/i

describe('visitor markup reaches the CRM as text', () => {
  let emulator: Emulator
  let outbox: SqliteOutbox
  let worker: DeliveryWorker
  let app: FastifyInstance
  let base: string

  beforeAll(async () => {
    emulator = await startEmulator({ rateLimit: false })
    const config = buildConfig({
      forms: {
        contact: {
          portal: 'default',
          fields: { name: 'NAME', message: 'COMMENTS' },
          timeline: true,
          title: 'Request: {{subject}}'
        }
      },
      portals: { default: { webhook: emulator.webhookUrl } }
    })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'relaxed' })
    const logger = pino({ level: 'silent' })
    worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    app = await buildApp({ config: () => config, outbox, logger, onAccepted: (id) => worker.wake(id) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    worker.start()
  })

  afterAll(async () => {
    await app?.close()
    await worker?.stop()
    await outbox?.close()
    await emulator?.close()
  })

  it('COMMENTS, the timeline comment and TITLE carry the characters, never the markup', async () => {
    const res = await fetch(`${base}/f/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ name: 'Anna', message: MESSAGE, subject: `${BB_LINK} ${HTML_IMAGE}`, note: BB_IMAGE })
    })
    expect(res.status).toBe(202)
    const { id } = await res.json() as { id: string }
    const lead = await waitFor(() => emulator.leads().find((l) => l.fields.ORIGIN_ID === id), { what: 'the lead' })

    const comments = String(lead.fields.COMMENTS)
    // HTML the portal keeps: only the line breaks the relay wrote.
    expect(comments.split('<br>').join('')).not.toMatch(OPENS_TAG)
    expect(comments).not.toMatch(/\n/)
    // What the lead card shows: the same characters, one line per line.
    const shown = commentsToText(comments).split('\n')
    expect(shown.slice(0, 3)).toEqual(MESSAGE.split('\n'))
    expect(shown).toContain(`note: ${BB_IMAGE}`)

    const title = String(lead.fields.TITLE)
    expect(title).not.toMatch(OPENS_TAG)
    expect(title.split('\u200B').join('')).toBe(`Request: ${BB_LINK} ${HTML_IMAGE}`)

    const timeline = await waitFor(() => emulator.comments().find((c) => c.ENTITY_ID === lead.ID), { what: 'the timeline comment' })
    expect(timeline.COMMENT).not.toMatch(OPENS_TAG)
    const timelineText = timeline.COMMENT.split('\u200B').join('')
    for (const line of MESSAGE.split('\n')) expect(timelineText).toContain(line)
    expect(timelineText).toContain(`note: ${BB_IMAGE}`)
  })
})
