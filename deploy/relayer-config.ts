/**
 * Generates a relayer config from the two deployment files deploy/deploy.ts wrote (docs/deployment.md):
 *
 *   npx ts-node --transpile-only deploy/relayer-config.ts \
 *     --main-deployment deployments/main.json --child-deployment deployments/child.json \
 *     --main-rpc https://main.example --child-rpc https://child.example [--out relayer.yaml]
 *
 * The same command as `sidechain relayer-config` (relayer/src/cli/deploy.ts). Without --out the
 * YAML goes to stdout. Exit code 0 on success, 1 when the files cannot make a valid config, 2 on
 * bad usage. No keys are written: the relayer takes them from SIDECHAIN_*_KEY.
 */
import { relayerConfigCommand } from "../relayer/src/cli/deploy";
import { runStandalone } from "./lib/standalone";

void runStandalone(relayerConfigCommand("relayer-config"), process.argv);
