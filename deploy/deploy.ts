/**
 * Deploys the bridge onto any two EVM chains and wires them (see docs/deployment.md):
 *
 *   MAIN_DEPLOYER_KEY=0x… CHILD_DEPLOYER_KEY=0x… \
 *   npx ts-node --transpile-only deploy/deploy.ts --config deploy/config.json \
 *     [--main-rpc URL] [--child-rpc URL] [--out deployments]
 *
 * The same command as `sidechain deploy` (relayer/src/cli/deploy.ts), which is what an app that
 * installed the kit runs. A plain script rather than `hardhat run`: `hardhat run` takes no
 * arguments and speaks to one network, and this needs two. Re-running it finishes an interrupted
 * deployment and changes nothing on a complete one. Exit code 0 on success, 1 on a deployment
 * error, 2 on bad usage.
 */
import { deployCommand } from "../relayer/src/cli/deploy";
import { runStandalone } from "./lib/standalone";

void runStandalone(deployCommand("deploy"), process.argv);
