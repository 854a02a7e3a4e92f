/** Test validator keys: deterministic, so that a test (or a devnet) can sign as a validator without configuration. */
import { Wallet, keccak256, toUtf8Bytes } from "ethers";

export const DEFAULT_VALIDATOR_SEED = "sidechain-kit validators";

/** keccak256(`${seed}/${i}`) for i < count, sorted by address as the ValidatorSet requires. */
export function testValidators(count: number, seed = DEFAULT_VALIDATOR_SEED): Wallet[] {
  const wallets = Array.from({ length: count }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`${seed}/${i}`))));
  return wallets.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}
