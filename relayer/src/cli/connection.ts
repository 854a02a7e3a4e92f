/**
 * Which bridge the user commands talk to, and with which key. In order of precedence:
 *   --main-deployment FILE --child-deployment FILE --main-rpc URL --child-rpc URL
 *   --deployment-dir DIR (its main and child deployment files) --main-rpc URL --child-rpc URL
 *   --config FILE (a relayer config: RPCs, deployment files, API)
 *   the devnet: <--devnet DIR | $DEVNET_DIR | ./.devnet>/relayer.json, as `npm run devnet` writes it
 * The key: --key, else $SIDECHAIN_USER_KEY, else on the devnet its first user account (dev account 3).
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { HDNodeWallet } from "ethers";

import { BridgeClient } from "../sdk/client";
import { readDeploymentFile, readRelayerEndpoints } from "../sdk/deployments";
import { InvalidArgumentError, InvalidDeploymentError } from "../sdk/errors";

export interface ConnectionOptions {
  devnet?: string;
  config?: string;
  deploymentDir?: string;
  mainDeployment?: string;
  childDeployment?: string;
  mainRpc?: string;
  childRpc?: string;
  api?: string;
  key?: string;
  json?: boolean;
}

/** The devnet's well-known mnemonic (Hardhat's and anvil's default): its accounts 3..9 are for users. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const DEVNET_USER_ACCOUNT = 3;
const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

export interface Connection {
  client: BridgeClient;
  /** Where the bridge came from, for messages. */
  describe: string;
  hasKey: boolean;
}

export function connect(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  const explicitKey = options.key ?? env.SIDECHAIN_USER_KEY;
  if (explicitKey !== undefined && !PRIVATE_KEY.test(explicitKey)) {
    throw new InvalidArgumentError(options.key !== undefined ? "--key" : "SIDECHAIN_USER_KEY", "(hidden)", "is not a 32-byte hex private key");
  }
  const privateKey = explicitKey === undefined ? undefined : explicitKey.startsWith("0x") ? explicitKey : `0x${explicitKey}`;

  if (options.mainDeployment !== undefined || options.childDeployment !== undefined || options.deploymentDir !== undefined) {
    const files = deploymentFiles(options);
    const { mainRpc, childRpc } = requireRpcs(options);
    const client = BridgeClient.fromFiles({ mainDeployment: files.main, childDeployment: files.child, mainRpcUrl: mainRpc, childRpcUrl: childRpc, privateKey, apiUrl: options.api });
    return { client, describe: `deployment ${files.main} + ${files.child}`, hasKey: privateKey !== undefined };
  }

  const devnet = options.config === undefined;
  const configFile = options.config ?? path.join(path.resolve(options.devnet ?? env.DEVNET_DIR ?? ".devnet"), "relayer.json");
  if (!existsSync(configFile)) {
    throw new InvalidArgumentError(
      devnet ? "devnet config" : "--config",
      configFile,
      devnet ? "does not exist: start the devnet (npm run devnet), or name a deployment with --deployment-dir / --config" : "does not exist",
    );
  }
  const endpoints = readRelayerEndpoints(configFile);
  const key = privateKey ?? (devnet ? HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${DEVNET_USER_ACCOUNT}`).privateKey : undefined);
  const client = BridgeClient.fromFiles({
    mainDeployment: endpoints.deploymentFiles.main,
    childDeployment: endpoints.deploymentFiles.child,
    mainRpcUrl: options.mainRpc ?? endpoints.rpcUrls.main,
    childRpcUrl: options.childRpc ?? endpoints.rpcUrls.child,
    privateKey: key,
    apiUrl: options.api ?? endpoints.apiUrl,
  });
  return { client, describe: devnet ? `devnet ${path.dirname(configFile)}` : `config ${configFile}`, hasKey: key !== undefined };
}

function requireRpcs(options: ConnectionOptions): { mainRpc: string; childRpc: string } {
  for (const [flag, value] of [["--main-rpc", options.mainRpc], ["--child-rpc", options.childRpc]] as const) {
    if (value === undefined) throw new InvalidArgumentError(flag, "(missing)", "is required with a deployment given by files (they record no RPC URL)");
    if (!/^(https?|wss?):\/\//.test(value)) throw new InvalidArgumentError(flag, value, "is not an http(s) or ws(s) URL");
  }
  return { mainRpc: options.mainRpc!, childRpc: options.childRpc! };
}

/** The two files, named one by one or found in a folder by their `role`. */
function deploymentFiles(options: ConnectionOptions): { main: string; child: string } {
  if (options.mainDeployment !== undefined || options.childDeployment !== undefined) {
    if (options.mainDeployment === undefined || options.childDeployment === undefined) {
      throw new InvalidArgumentError("--main-deployment / --child-deployment", "(one missing)", "must be given together");
    }
    return { main: options.mainDeployment, child: options.childDeployment };
  }
  const dir = options.deploymentDir!;
  if (!existsSync(dir)) throw new InvalidArgumentError("--deployment-dir", dir, "does not exist");
  const byRole: { main: string[]; child: string[] } = { main: [], child: [] };
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    const file = path.join(dir, name);
    try {
      byRole[readDeploymentFile(file).role].push(file);
    } catch {
      // Other JSON files (configs, Ignition journals) may sit beside the deployment files.
    }
  }
  for (const role of ["main", "child"] as const) {
    if (byRole[role].length !== 1) {
      throw new InvalidDeploymentError(
        `${dir} holds ${byRole[role].length} deployment files with role "${role}"${byRole[role].length > 1 ? ` (${byRole[role].join(", ")}): name them with --main-deployment/--child-deployment` : ""}`,
      );
    }
  }
  return { main: byRole.main[0], child: byRole.child[0] };
}
