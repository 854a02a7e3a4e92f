/**
 * Runs one of the `sidechain` CLI's deployment commands as a script of its own (deploy/deploy.ts,
 * deploy/relayer-config.ts), with the scripts' error lines and exit codes: 0 on success, 1 on a
 * deployment error, 2 on bad usage or an invalid config.
 */
import type { Command } from "commander";

import { ConfigError } from "../../relayer/src/config";
import { DeployError } from "./errors";

export async function runStandalone(command: Command, argv: string[]): Promise<void> {
  try {
    await command.exitOverride().parseAsync(argv, { from: "node" });
    process.exitCode = 0;
  } catch (error) {
    process.exitCode = exitCodeOf(error);
  }
}

function exitCodeOf(error: unknown): number {
  const code = (error as { code?: unknown }).code;
  // commander printed the usage error (or the help) itself.
  if (typeof code === "string" && code.startsWith("commander.")) return code === "commander.helpDisplayed" || code === "commander.help" || code === "commander.version" ? 0 : 2;
  if (error instanceof DeployError) {
    process.stderr.write(`error [${error.code}]${error.retryable ? " (running again may help)" : ""}: ${error.message}\n`);
    return error.code === "DEPLOY_CONFIG_INVALID" ? 2 : 1;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
