/** The part of madge's API (it ships no types) that the architecture test uses. */
declare module 'madge' {
  export interface MadgeConfig {
    baseDir?: string
    fileExtensions?: string[]
    tsConfig?: string
  }
  export interface MadgeResult {
    /** Every module (relative to baseDir) with the modules it imports, npm packages left out. */
    obj: () => Record<string, string[]>
    circular: () => string[][]
    warnings: () => { skipped: string[] }
  }
  export default function madge (path: string | string[], config?: MadgeConfig): Promise<MadgeResult>
}
