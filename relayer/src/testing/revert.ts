/**
 * Turns a target's revert data into words: Error(string), Panic(uint256) with its meaning, or a
 * custom error of any ABI the kit knows (its own contracts', those registered, and, given a
 * Hardhat runtime, every artifact of the project, read once on the first unknown selector).
 */
import { AbiCoder, BaseContract, Interface, Utf8ErrorFuncs, dataLength, dataSlice, getBytes, toUtf8String, type ErrorDescription, type InterfaceAbi } from "ethers";

import { CheckpointManager__factory } from "../../../typechain-types/factories/contracts/common/CheckpointManager__factory";
import { Messenger__factory } from "../../../typechain-types/factories/contracts/common/Messenger__factory";
import { ValidatorSet__factory } from "../../../typechain-types/factories/contracts/common/ValidatorSet__factory";
import { ChildBridge__factory } from "../../../typechain-types/factories/contracts/child/ChildBridge__factory";
import { ChildERC20__factory } from "../../../typechain-types/factories/contracts/child/ChildERC20__factory";
import { Lockbox__factory } from "../../../typechain-types/factories/contracts/root/Lockbox__factory";
import { RootBridge__factory } from "../../../typechain-types/factories/contracts/root/RootBridge__factory";
import type { AbiSource, HardhatRuntimeLike } from "./types";

const ERROR_STRING = "0x08c379a0";
const PANIC = "0x4e487b71";

/** Solidity's panic codes (docs: "Panic via assert and error via require"). */
const PANIC_CODES: Record<number, string> = {
  0x00: "generic compiler panic",
  0x01: "assert(false)",
  0x11: "arithmetic underflow or overflow",
  0x12: "division or modulo by zero",
  0x21: "conversion to an out-of-range enum value",
  0x22: "incorrectly encoded storage byte array",
  0x31: "pop() on an empty array",
  0x32: "array index out of bounds",
  0x41: "too much memory allocated",
  0x51: "call to a zero-initialized internal function",
};

export class RevertDecoder {
  /** Custom errors by selector: the first ABI registered for a selector wins. */
  private readonly errors = new Map<string, Interface>();
  private artifactsLoaded: Promise<void> | undefined;

  constructor(
    /** Bytes the messenger keeps of revert data: at this length the data may have been cut. */
    private readonly cap: number,
    private readonly artifacts?: HardhatRuntimeLike["artifacts"],
  ) {
    for (const factory of [Messenger__factory, CheckpointManager__factory, ValidatorSet__factory, RootBridge__factory, Lockbox__factory, ChildBridge__factory, ChildERC20__factory]) {
      this.register(factory.createInterface());
    }
  }

  register(source: AbiSource): void {
    const iface = source instanceof Interface ? source : source instanceof BaseContract ? source.interface : new Interface(source as InterfaceAbi);
    iface.forEachError((fragment) => {
      if (!this.errors.has(fragment.selector)) this.errors.set(fragment.selector, iface);
    });
  }

  /** A sentence for `data`, e.g. `reverted with custom error OrderRejected(7, "sold out")`. */
  async describe(data: string): Promise<string> {
    const length = dataLength(data);
    if (length === 0) return "reverted without revert data (out of gas, or a bare revert())";
    const cut = length >= this.cap ? ` (revert data cut to ${this.cap} bytes)` : "";
    if (length < 4) return `reverted with ${length} bytes of revert data ${data}`;
    const selector = dataSlice(data, 0, 4);
    if (selector === ERROR_STRING) return `reverted with reason "${decodeErrorString(data)}"${cut}`;
    if (selector === PANIC && length >= 36) {
      const code = Number(BigInt(dataSlice(data, 4, 36)));
      return `panicked with 0x${code.toString(16).padStart(2, "0")} (${PANIC_CODES[code] ?? "unknown panic code"})`;
    }
    let iface = this.errors.get(selector);
    if (iface === undefined && this.artifacts !== undefined) {
      await (this.artifactsLoaded ??= this.loadArtifacts());
      iface = this.errors.get(selector);
    }
    if (iface === undefined) return `reverted with unknown custom error ${selector} (register its ABI with bridge.registerAbi)${cut}`;
    let parsed: ErrorDescription | null = null;
    try {
      parsed = iface.parseError(data);
    } catch {
      // Arguments that do not decode: cut revert data, or another error with the same selector.
    }
    const name = iface.getError(selector)?.name ?? selector;
    if (parsed === null) return `reverted with custom error ${name}(…), arguments not decodable${cut}`;
    return `reverted with custom error ${parsed.name}(${parsed.args.map(formatValue).join(", ")})`;
  }

  /** Every error of every artifact of the Hardhat project, for targets nobody registered. */
  private async loadArtifacts(): Promise<void> {
    const names = await this.artifacts!.getAllFullyQualifiedNames();
    const artifacts = await Promise.all(names.map((name) => this.artifacts!.readArtifact(name)));
    for (const { abi } of artifacts) {
      try {
        this.register(abi);
      } catch {
        // An ABI ethers cannot read is no reason to fail the decoding of another one.
      }
    }
  }
}

/** The string of Error(string), or as much of it as survived the cut. */
function decodeErrorString(data: string): string {
  try {
    return AbiCoder.defaultAbiCoder().decode(["string"], dataSlice(data, 4))[0] as string;
  } catch {
    const bytes = getBytes(data);
    // selector, offset word, length word, then the characters: keep those that are there.
    if (bytes.length <= 68) return "";
    const length = Number(BigInt(dataSlice(data, 36, 68)));
    return `${toUtf8String(bytes.subarray(68, Math.min(bytes.length, 68 + length)), Utf8ErrorFuncs.replace)}…`;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return /^0x[0-9a-fA-F]*$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  return String(value);
}
