/** The equivocation reporter role (reporter.ts) and its evidence helpers (evidence.ts). */
export * from "./reporter";
export { recoverStrict } from "./evidence";
