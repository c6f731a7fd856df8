/** The method registry: each REST method is a handler plus the scope it needs; families register themselves. */
import type { MethodResult } from './envelope.ts'
import { OperationLimitError, insufficientScope, methodNotFound } from './rest-error.ts'
import type { Params } from './request-params.ts'
import type { PortalState } from './state.ts'

export interface MethodContext {
  state: PortalState
  /** True while running a command inside `batch`. */
  inBatch: boolean
  registry: MethodRegistry
}

export type MethodHandler = (params: Params, ctx: MethodContext) => MethodResult | Promise<MethodResult>

export interface MethodSpec {
  /** The scope the webhook needs; undefined for core methods such as batch. */
  scope?: string
  handler: MethodHandler
}

export class MethodRegistry {
  private readonly methods = new Map<string, MethodSpec>()

  add (name: string, spec: MethodSpec): this {
    this.methods.set(name.toLowerCase(), spec)
    return this
  }

  /** Method names are case-insensitive on the portal. */
  find (name: string): MethodSpec | undefined {
    return this.methods.get(name.toLowerCase())
  }

  names (): string[] {
    return [...this.methods.keys()]
  }

  /** Look up, check scope, count and run one method (a top-level call or a batch command). */
  async invoke (name: string, params: Params, ctx: Omit<MethodContext, 'registry'>): Promise<MethodResult> {
    const spec = this.find(name)
    if (spec === undefined) throw methodNotFound()
    if (spec.scope !== undefined && !ctx.state.scopes.has(spec.scope)) throw insufficientScope(ctx.state.settings.quirks)
    const blockedUntil = ctx.state.blockedUntil(name)
    if (blockedUntil !== undefined) throw new OperationLimitError(ctx.state.settings.quirks, Math.ceil(blockedUntil / 1000))
    ctx.state.countMethod(name.toLowerCase())
    return await spec.handler(params, { ...ctx, registry: this })
  }
}

export type MethodFamily = (registry: MethodRegistry) => void
