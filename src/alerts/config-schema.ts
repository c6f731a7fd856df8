/** The `alerts:` section of relay.config.yaml: where notices go, how often checks run, and the thresholds. */
import { z } from 'zod'

const url = z.string().trim().url()

export const alertsSchema = z.object({
  /** A JSON POST `{ text, status, check, key }`; `text` is what Slack and Mattermost incoming webhooks show. */
  webhook: z.union([url, z.object({ url, headers: z.record(z.string(), z.string()).default({}) }).strict()]).optional(),
  telegram: z.object({
    token: z.string().min(1),
    chatId: z.union([z.string().min(1), z.number().int()]),
    /** The Bot API base; change it only for a proxy or a test double. */
    apiUrl: url.default('https://api.telegram.org')
  }).strict().optional(),
  /** SMTP through nodemailer. */
  email: z.object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    user: z.string().optional(),
    password: z.string().optional(),
    from: z.string().min(3),
    to: z.union([z.string().min(3), z.array(z.string().min(3)).min(1)])
  }).strict().optional(),
  /** How often the checks run. */
  checkIntervalMs: z.number().int().positive().default(30_000),
  /** The same problem is announced again at most this often (after it cleared and came back). */
  repeatAfterMs: z.number().int().nonnegative().default(15 * 60_000),
  /** At most this many notices an hour in all; the rest wait for the next check and are logged. */
  maxPerHour: z.number().int().positive().default(20),
  /** The oldest submission still waiting for delivery is older than this. */
  queueAgeMs: z.number().int().positive().default(15 * 60_000),
  /** Free space on the store's disk (SQLite) below this many bytes; 0 turns the check off. */
  minFreeDiskBytes: z.number().int().nonnegative().default(512 * 1024 * 1024),
  /** Per-notifier timeout, so a slow chat API never holds the next check up. */
  timeoutMs: z.number().int().positive().default(10_000)
}).strict()

export type AlertsConfig = z.infer<typeof alertsSchema>
