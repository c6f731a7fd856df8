/** Assembles the emulator's Fastify app: body parsers, the /rest route and the /_emulator routes. */
import Fastify, { type FastifyInstance } from 'fastify'
import { BODY_LIMIT, registerBodyParsers } from './body-parsers.ts'
import { registerInspectRoutes } from './inspect-routes.ts'
import { createRegistry } from './methods/index.ts'
import { registerLegacyRoute } from './methods/legacy-import.ts'
import { registerRestRoute } from './rest-route.ts'
import type { PortalState } from './state.ts'

export async function buildEmulatorApp (state: PortalState, logger: boolean): Promise<FastifyInstance> {
  const app = Fastify({ logger, bodyLimit: BODY_LIMIT })
  await registerBodyParsers(app)
  registerRestRoute(app, state, createRegistry())
  registerInspectRoutes(app, state)
  registerLegacyRoute(app, state)
  return app
}
