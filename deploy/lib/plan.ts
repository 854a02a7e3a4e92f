/**
 * What a (re-)run can keep: a recorded contract is reused when it has code AND its links agree
 * with the rest of the record, because the links are immutable or set-once:
 *
 *   CheckpointManager.validatorSet, Messenger.checkpointManager, bridge.messenger   immutable
 *   Messenger.remoteMessenger, bridge.counterpart (across the chains)               set once
 *   staking mode: StakedValidatorSet/ChildValidatorSet.stakeManager                 immutable
 *                 ChildValidatorSet.messenger                                       set once
 *                 StakeManager lanes and rotation targets                           re-pointable
 *
 * So a contract deployed afresh forces a fresh deployment of everything that points at it: its
 * dependants on the same chain, and the other chain's messenger or bridge if that one is already
 * wired (to the old address, for good). Reusing them instead would leave a bridge that cannot
 * be wired.
 */
import { ZeroAddress, ZeroHash, getAddress, isError, type Contract } from "ethers";

import type { DeployableContract } from "./artifacts";
import type { Chain } from "./chain";
import { validatorSetContract, type ChainRole, type DeploymentFile } from "./deploymentFile";
import { WiringConflictError } from "./errors";
import type { DeployLogger, NormalizedStaking, SideSettings } from "./options";

/** One chain during a run: its connection, settings, file and what can be kept. */
export interface Side {
  role: ChainRole;
  chain: Chain;
  settings: Required<Pick<SideSettings, "admin" | "guardian">> & SideSettings;
  file: DeploymentFile;
  /** The deployments folder, and this side's file in it. */
  dir: string;
  filePath: string;
  /** Recorded contracts that stay. */
  reuse: Set<DeployableContract>;
  /** Set-once links of the reused messenger and bridge, as read on chain (zero when not set). */
  remoteMessenger?: string;
  counterpart?: string;
  /** Staking mode's parameters; undefined in governance mode. */
  staking?: NormalizedStaking;
  /** Staking mode: the main chain's StakeManager the sets must follow; null while it is to be deployed afresh. */
  stakeManager?: string | null;
  /** The asset bridge's counterpart, as read on chain. */
  assetCounterpart?: string;
}

/**
 * Staking mode, before the sides are inspected: keeps the recorded StakeManager if it has code
 * (its links are re-pointed by the wiring, so nothing else decides), and tells both sides which
 * StakeManager their sets must follow.
 */
export async function inspectStakeManager(main: Side, child: Side, logger: DeployLogger): Promise<void> {
  const record = main.file.contracts.StakeManager;
  let address: string | null = null;
  if (record !== undefined) {
    if ((await main.chain.provider.getCode(record.address)) === "0x") {
      logger.warn({ at: "deploy.inspect", chain: "main", contract: "StakeManager", reason: `no code at ${record.address}` }, "recorded contract is not reused");
    } else {
      main.reuse.add("StakeManager");
      address = record.address;
    }
  }
  main.stakeManager = address;
  child.stakeManager = address;
}

export function bridgeOf(role: ChainRole): "RootBridge" | "ChildBridge" {
  return role === "main" ? "RootBridge" : "ChildBridge";
}

/** The asset (ERC721, ERC1155) bridge of a role, beside its token bridge on the same messenger. */
export function assetBridgeOf(role: ChainRole): "RootAssetBridge" | "ChildAssetBridge" {
  return role === "main" ? "RootAssetBridge" : "ChildAssetBridge";
}

/** The contracts deployed by a transaction of their own, in order (the Lockbox comes with RootBridge). */
export function deployOrder(role: ChainRole): DeployableContract[] {
  return ["ValidatorSet", "CheckpointManager", "Messenger", bridgeOf(role), assetBridgeOf(role)];
}

/** Decides which recorded contracts of `side` can be reused, each link checked on chain. */
export async function inspectSide(side: Side, remoteChainId: number, logger: DeployLogger): Promise<void> {
  const { chain, file, role } = side;
  const keep = (name: DeployableContract) => side.reuse.add(name);
  const drop = (name: DeployableContract, reason: string) => {
    if (file.contracts[name] !== undefined) logger.warn({ at: "deploy.inspect", chain: role, contract: name, reason }, "recorded contract is not reused");
  };
  const recorded = async (name: DeployableContract): Promise<Contract | undefined> => {
    const record = file.contracts[name];
    if (record === undefined) return undefined;
    if ((await chain.provider.getCode(record.address)) === "0x") {
      drop(name, `no code at ${record.address} (a reset chain, or a deployment that never landed)`);
      return undefined;
    }
    return chain.at(name, record.address);
  };
  const address = (name: DeployableContract) => file.contracts[name]?.address;

  const validatorSet = await recorded("ValidatorSet");
  if (validatorSet !== undefined) {
    // The record may hold the other mode's set: a governance set cannot follow the stake, nor the reverse.
    const kind = file.contracts.ValidatorSet!.contract ?? "ValidatorSet";
    const expected = validatorSetContract(role, side.staking !== undefined);
    if (kind !== expected) drop("ValidatorSet", `it is a ${kind}, this deployment uses a ${expected}`);
    else if (side.staking === undefined) keep("ValidatorSet");
    else if (side.stakeManager === null || side.stakeManager === undefined) drop("ValidatorSet", "its StakeManager is deployed afresh");
    else {
      const followed = await readLink(chain.at(kind, address("ValidatorSet")!), "stakeManager");
      if (followed !== side.stakeManager) drop("ValidatorSet", `it follows StakeManager ${followed}`);
      else keep("ValidatorSet");
    }
  }

  const manager = await recorded("CheckpointManager");
  if (manager !== undefined) {
    const [set, source] = [await readLink(manager, "validatorSet"), await readLink(manager, "sourceChainId")];
    if (!side.reuse.has("ValidatorSet")) drop("CheckpointManager", "its ValidatorSet is deployed afresh");
    else if (set !== address("ValidatorSet")) drop("CheckpointManager", `it points at ValidatorSet ${set}`);
    else if (source !== String(remoteChainId)) drop("CheckpointManager", `it checkpoints chain ${source}, not ${remoteChainId}`);
    else keep("CheckpointManager");
  }

  const game = await recorded("LeafAvailabilityGame");
  if (game !== undefined) {
    const gameManager = await readLink(game, "checkpointManager");
    if (side.settings.availability === undefined) drop("LeafAvailabilityGame", "the settings want no availability game");
    else if (!side.reuse.has("CheckpointManager")) drop("LeafAvailabilityGame", "its CheckpointManager is deployed afresh");
    else if (gameManager !== address("CheckpointManager")) drop("LeafAvailabilityGame", `it points at CheckpointManager ${gameManager}`);
    else keep("LeafAvailabilityGame");
  }

  const messenger = await recorded("Messenger");
  if (messenger !== undefined) {
    const manager = await readLink(messenger, "checkpointManager");
    if (!side.reuse.has("CheckpointManager")) drop("Messenger", "its CheckpointManager is deployed afresh");
    else if (manager !== address("CheckpointManager")) drop("Messenger", `it points at CheckpointManager ${manager}`);
    else {
      keep("Messenger");
      side.remoteMessenger = (await readLink(messenger, "remoteMessenger")) ?? ZeroAddress;
    }
  }

  const bridgeName = bridgeOf(role);
  const bridge = await recorded(bridgeName);
  if (bridge !== undefined) {
    const bridgeMessenger = await readLink(bridge, "messenger");
    if (!side.reuse.has("Messenger")) drop(bridgeName, "its Messenger is deployed afresh");
    else if (bridgeMessenger !== address("Messenger")) drop(bridgeName, `it points at Messenger ${bridgeMessenger}`);
    else {
      keep(bridgeName);
      side.counterpart = (await readLink(bridge, "counterpart")) ?? ZeroAddress;
    }
  }

  const assetName = assetBridgeOf(role);
  const assetBridge = await recorded(assetName);
  if (assetBridge !== undefined) {
    const assetMessenger = await readLink(assetBridge, "messenger");
    if (!side.reuse.has("Messenger")) drop(assetName, "its Messenger is deployed afresh");
    else if (assetMessenger !== address("Messenger")) drop(assetName, `it points at Messenger ${assetMessenger}`);
    else {
      keep(assetName);
      side.assetCounterpart = (await readLink(assetBridge, "counterpart")) ?? ZeroAddress;
    }
  }
}

/**
 * Extends the fresh deployments across the chains until nothing changes: a fresh messenger
 * (bridge) on one chain cannot be wired into the other chain's messenger (bridge) once that one
 * is set, so that one must be fresh too. Links that are set, on reused contracts, to neither the
 * peer nor zero mean a mixed-up deployment file: that is for a human to sort out.
 */
export function cascadeAcrossChains(main: Side, child: Side, logger: DeployLogger): void {
  const links = [
    { name: "Messenger" as const, link: "remoteMessenger" as const, dependants: (role: ChainRole) => [bridgeOf(role), assetBridgeOf(role)] },
    { name: "bridge" as const, link: "counterpart" as const, dependants: () => [] },
    { name: "assetBridge" as const, link: "assetCounterpart" as const, dependants: () => [] },
  ];
  const contractOf = (name: (typeof links)[number]["name"], role: ChainRole): DeployableContract =>
    name === "bridge" ? bridgeOf(role) : name === "assetBridge" ? assetBridgeOf(role) : name;
  for (let changed = true; changed; ) {
    changed = false;
    for (const [side, peer] of [
      [main, child],
      [child, main],
    ] as const) {
      for (const { name, link, dependants } of links) {
        const own = contractOf(name, side.role);
        const peers = contractOf(name, peer.role);
        if (!side.reuse.has(own)) continue;
        const current = side[link] ?? ZeroAddress;
        if (current === ZeroAddress) continue;
        if (!peer.reuse.has(peers)) {
          logger.warn(
            { at: "deploy.inspect", chain: side.role, contract: own, link, current, reason: `the ${peer.role} ${peers} is deployed afresh` },
            "recorded contract is not reused",
          );
          side.reuse.delete(own);
          for (const dependant of dependants(side.role)) side.reuse.delete(dependant);
          changed = true;
        } else if (current !== peer.file.contracts[peers]?.address) {
          throw new WiringConflictError(side.role, `${own}.${link}`, current, peer.file.contracts[peers]?.address ?? "?");
        }
      }
    }
  }
}

/**
 * Differences between reused contracts' parameters and the settings: a re-run does not change
 * them (governance does, with setChallengePeriod, proposeValidators, …), but must not hide them.
 */
export async function driftWarnings(side: Side): Promise<string[]> {
  const warnings: string[] = [];
  const { settings, file, chain, role } = side;
  // A staked set follows the StakeManager: the configured validators are only where it started.
  if (side.reuse.has("ValidatorSet") && side.staking === undefined) {
    const set = chain.at("ValidatorSet", file.contracts.ValidatorSet!.address);
    const [addresses, powers] = (await set.getFunction("validators")()) as [string[], bigint[]];
    const [, threshold] = (await set.getFunction("quorum")()) as [string, bigint];
    const same =
      addresses.length === settings.validatorSet.addresses.length &&
      addresses.every((a, i) => getAddress(a) === settings.validatorSet.addresses[i] && powers[i] === settings.validatorSet.powers[i]) &&
      threshold === settings.validatorSet.threshold;
    if (!same) warnings.push(`${role}: the deployed ValidatorSet differs from the configured validators or threshold (use proposeValidators)`);
  }
  if (side.reuse.has("ValidatorSet")) {
    const set = chain.at("ValidatorSet", file.contracts.ValidatorSet!.address);
    const delay = (await set.getFunction("changeDelay")()) as bigint;
    if (delay !== settings.validatorChangeDelay) {
      warnings.push(`${role}: ValidatorSet.changeDelay is ${delay} on chain, the config says ${settings.validatorChangeDelay} (it is fixed at deployment)`);
    }
  }
  // ValidatorSet got the admin in its constructor: no hand-over fixes it. (A CheckpointManager
  // deployed for an availability game is handed over at the end of the run.)
  for (const name of ["ValidatorSet", "CheckpointManager"] as const) {
    if (name === "CheckpointManager" && side.settings.availability !== undefined) continue;
    if (!side.reuse.has(name)) continue;
    // The child's staked set is wired by the deployer, then handed over like the messenger.
    if (name === "ValidatorSet" && side.staking !== undefined && role === "child") continue;
    const contract = chain.at(name, file.contracts[name]!.address);
    if (!((await contract.getFunction("hasRole")(ZeroHash, settings.admin)) as boolean)) {
      warnings.push(`${role}: ${settings.admin}, the configured admin, is not admin of the deployed ${name}`);
    }
  }
  if (side.reuse.has("CheckpointManager")) {
    const manager = chain.at("CheckpointManager", file.contracts.CheckpointManager!.address);
    const actual = {
      challengePeriod: (await manager.getFunction("challengePeriod")()) as bigint,
      minBond: (await manager.getFunction("minBond")()) as bigint,
      challengerRewardBps: Number(await manager.getFunction("challengerRewardBps")()),
    };
    for (const key of ["challengePeriod", "minBond", "challengerRewardBps"] as const) {
      if (String(actual[key]) !== String(settings[key])) {
        warnings.push(`${role}: CheckpointManager.${key} is ${actual[key]} on chain, the config says ${settings[key]}`);
      }
    }
  }
  return warnings;
}

/**
 * A getter of a recorded contract, as a string (addresses checksummed). Undefined when the call
 * reverts or returns nothing decodable: the address holds some other contract. Transport errors
 * propagate, so that a flaky RPC never passes for a stale contract (and triggers a redeployment).
 */
async function readLink(contract: Contract, getter: string): Promise<string | undefined> {
  try {
    const value: unknown = await contract.getFunction(getter)();
    return typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value) ? getAddress(value) : String(value);
  } catch (error) {
    if (isError(error, "CALL_EXCEPTION") || isError(error, "BAD_DATA")) return undefined;
    throw error;
  }
}
