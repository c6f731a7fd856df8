/** The Bitrix24 emulator as a benchmark child: leaky bucket from BENCH_BURST / BENCH_DRAIN, a JSON ready line. */
import { startEmulator } from '../../src/emulator/index.ts'

const burst = Number(process.env.BENCH_BURST ?? 50)
const drainPerSecond = Number(process.env.BENCH_DRAIN ?? 2)

const emulator = await startEmulator({ host: '127.0.0.1', port: 0, burst, drainPerSecond, rateLimit: true })
process.stdout.write(JSON.stringify({
  msg: 'emulator ready', time: Date.now(), port: Number(new URL(emulator.url).port), webhook: emulator.webhookUrl
}) + '\n')
process.once('SIGTERM', async () => { await emulator.close(); process.exit(0) })
